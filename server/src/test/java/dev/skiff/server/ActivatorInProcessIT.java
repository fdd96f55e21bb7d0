package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.skiff.examples.Examples;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With the mesh on, the activator hands a Wasm instance of its own node the request in process: no
 * connection to the sidecar's listener (so no TLS handshake on a cold start), while the sidecar
 * still sees the activator as the caller, and the instance sees the headers the activator would
 * have sent it over the network. The gateway enters the activator in process too: a cold request
 * crosses no socket from the gateway to the instance.
 */
class ActivatorInProcessIT {
  private static final String IN_PROCESS = "skiff_activator_forwards_total{path=\"in_process\"";
  private static final String NETWORK = "skiff_activator_forwards_total{path=\"network\"";
  private static final String HANDED_IN_PROCESS =
      "skiff_gateway_activator_handoffs_total{path=\"in_process\"";
  private static final String HANDED_NETWORK =
      "skiff_gateway_activator_handoffs_total{path=\"network\"";

  @TempDir static Path dir;
  static RunningSkiffd skiffd;
  static Cli cli;
  static Http http;

  @BeforeAll
  static void start() throws Exception {
    skiffd = RunningSkiffd.start(dir.resolve("data"), 30, o -> o.meshSwitch = "on");
    cli = new Cli(skiffd);
    http = new Http(HttpVersion.HTTP_1_1);
  }

  @AfterAll
  static void stop() {
    if (http != null) {
      http.close();
    }
    if (skiffd != null) {
      skiffd.close();
    }
  }

  @Test
  void aColdWasmRequestIsHandedToTheSidecarInProcessAsTheActivator() throws Exception {
    Path wasm = Files.write(dir.resolve("echo.wasm"), Examples.wasm(Examples.ECHO));
    cli.ok(
        "deploy",
        "cold-echo",
        "--wasm",
        wasm.toString(),
        "--annotation",
        "autoscaling.knative.dev/initial-scale=0",
        "--no-wait");
    double inProcessBefore = sum(IN_PROCESS);
    double networkBefore = sum(NETWORK);
    double handedInProcessBefore = sum(HANDED_IN_PROCESS);
    double handedNetworkBefore = sum(HANDED_NETWORK);

    Http.Response r = awaitAnswer("cold-echo.default.localhost", "/hi");

    assertEquals(200, r.status(), r.text());
    assertEquals("/hi", r.headers().get("X-Echo-Path"));
    assertEquals(
        "By=spiffe://skiff.local/ns/default/svc/cold-echo;URI=spiffe://skiff.local/skiff/activator",
        r.headers().get("X-Echo-Http-X-Forwarded-Client-Cert"),
        "the sidecar names the activator as the caller it authorized");
    assertEquals("activator", r.headers().get("X-Echo-Http-Skiff-Proxied-By"));
    assertNull(
        r.headers().get("X-Echo-Http-Skiff-Revision-Name"),
        "the activator's routing headers are not passed on, as over the network");
    assertEquals(1, sum(IN_PROCESS) - inProcessBefore, "handed over in process");
    assertEquals(0, sum(NETWORK) - networkBefore, "no request went over the network");
    assertEquals(
        1, sum(HANDED_IN_PROCESS) - handedInProcessBefore, "the gateway entered the activator");
    assertEquals(
        0, sum(HANDED_NETWORK) - handedNetworkBefore, "the activator's listener was not used");
    assertEquals(
        r.headers().get("X-Request-Id"),
        r.headers().get("X-Echo-Http-X-Request-Id"),
        "the gateway's request id reached the instance and came back once");
    assertEquals(1, r.headers().getAll("X-Request-Id").size());
    assertNotNull(r.headers().get("X-Echo-Http-X-Forwarded-For"), "forwarding headers passed on");
  }

  /** The first answer other than a 404 from a gateway that may not know the route yet. */
  private static Http.Response awaitAnswer(String host, String uri) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    Http.Response r = http.get(skiffd.gatewayPort(), host, uri);
    while (r.status() == 404 && System.nanoTime() < deadline) {
      Thread.sleep(20);
      r = http.get(skiffd.gatewayPort(), host, uri);
    }
    return r;
  }

  private static double sum(String series) throws Exception {
    String metrics = http.get(skiffd.skiffd.apiPort(), "127.0.0.1", "/metrics").text();
    double total = 0;
    for (String line : metrics.split("\n")) {
      if (line.startsWith(series)) {
        total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return total;
  }
}
