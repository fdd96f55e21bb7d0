package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.examples.Examples;
import dev.skiff.testing.Prerequisites;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Function-to-function calls through the mesh in skiffd: the {@code caller} example, a Wasm module
 * built from C against the wasi_experimental_http imports, calls the {@code hello} example by name
 * over mutual TLS with its own identity; the callee's policy (the default: its own namespace)
 * decides, and its 403 reaches the caller; mesh calls to a callee split 90/10 between two revisions
 * follow the split.
 */
class MeshCallsIT {
  @TempDir static Path dir;
  static RunningSkiffd skiffd;
  static Http http;
  static Cli cli;
  static Vertx vertx;
  static HttpServer outside;

  @BeforeAll
  static void start() throws Exception {
    Prerequisites.require(
        Examples.has(Examples.CALLER) && Examples.has(Examples.HELLO),
        "the C examples (clang for wasm32-wasi)",
        "apt-get install clang lld wasi-libc");
    skiffd = RunningSkiffd.start(dir.resolve("data"), 30, o -> o.meshSwitch = "on");
    http = new Http(HttpVersion.HTTP_1_1);
    cli = new MeshProbe(skiffd, http, dir).cli();
    deploy("default", "hello", Examples.HELLO);
    deploy("default", "caller", Examples.CALLER, "CALLEE_URL=http://hello.default/");
    deploy("default", "full", Examples.CALLER, "CALLEE_URL=http://hello.default.localhost/");
    deploy("default", "outside", Examples.CALLER, "CALLEE_URL=http://example.com/");
    deploy("other", "caller", Examples.CALLER, "CALLEE_URL=http://hello.default/");
    // A server outside the mesh on loopback, and a caller whose service lists it in allowedHosts.
    vertx = Vertx.vertx();
    outside =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> req.response().putHeader("Content-Type", "text/plain").end("outside ok"))
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    String target = "127.0.0.1:" + outside.actualPort();
    deploy("default", "allowed", Examples.CALLER, "CALLEE_URL=http://" + target + "/");
    allowHosts("default", "allowed", target);
  }

  /** Adds spec.template.allowedHosts to a deployed service through the API (a new revision). */
  static void allowHosts(String namespace, String name, String host) throws Exception {
    String uri = "/v1/namespaces/" + namespace + "/services/" + name;
    int api = skiffd.skiffd.apiPort();
    Http.Response current = http.send(HttpMethod.GET, api, "127.0.0.1", uri, skiffd.auth(), null);
    ObjectNode service = (ObjectNode) Json.mapper().readTree(current.text());
    service.remove("status");
    ((ObjectNode) service.get("spec").get("template")).putArray("allowedHosts").add(host);
    Map<String, String> headers = new java.util.HashMap<>(skiffd.auth());
    headers.put("Content-Type", "application/json");
    Http.Response put =
        http.send(
            HttpMethod.PUT, api, "127.0.0.1", uri, headers, Buffer.buffer(service.toString()));
    assertEquals(200, put.status(), put.text());
  }

  @AfterAll
  static void stop() {
    if (http != null) {
      http.close();
    }
    if (skiffd != null) {
      skiffd.close();
    }
    if (vertx != null) {
      vertx.close();
    }
  }

  static void deploy(String namespace, String name, String example, String... env)
      throws Exception {
    Path file = Files.write(dir.resolve(example + ".wasm"), Examples.wasm(example));
    var args =
        new ArrayList<>(
            List.of(
                "deploy",
                name,
                "-n",
                namespace,
                "--wasm",
                file.toString(),
                "--annotation",
                MeshProbe.MIN_SCALE));
    for (String e : env) {
      args.add("--env");
      args.add(e);
    }
    cli.ok(args.toArray(String[]::new));
  }

  /** GET through the gateway, retried while the services' instances are still starting. */
  static Http.Response get(String host, String uri) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (true) {
      Http.Response r = http.get(skiffd.gatewayPort(), host, uri);
      boolean starting = r.status() == 503 || r.status() == 504 || r.text().contains("error 11");
      if (!starting || System.nanoTime() > deadline) {
        return r;
      }
      Thread.sleep(100); // poll interval while instances start, not a wait for a condition
    }
  }

  @Test
  void aWasmFunctionCallsAnotherByNameThroughTheMesh() throws Exception {
    Http.Response r = get("caller.default.localhost", "/?name=mesh");

    assertEquals(200, r.status(), r.text());
    assertEquals("Hello, mesh!", r.text().trim());
    assertEquals("200", r.headers().get("X-Callee-Status"));
  }

  @Test
  void aNinetyTenSplitOnTheCalleeHoldsWithinThreePercentOverFiveThousandMeshCalls()
      throws Exception {
    // Two revisions of the callee that answer differently, split 90/10, and a caller of it.
    deploy("default", "split", Examples.HELLO, "GREETING=One");
    deploy("default", "split", Examples.HELLO, "GREETING=Two");
    cli.ok("traffic", "split", "split-00001=90", "split-00002=10");
    deploy("default", "splitter", Examples.CALLER, "CALLEE_URL=http://split.default/");
    // Revision 2 takes all calls until the split reaches the mesh's route table: wait for One.
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (!get("splitter.default.localhost", "/?name=s").text().startsWith("One,")) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("revision 1 of split never answered a mesh call");
      }
      Thread.sleep(100); // poll interval while the split reaches the route table
    }
    int total = 5000;
    int first = 0;
    int second = 0;
    List<String> other = new ArrayList<>();
    for (int batch = 0; batch < total / 50; batch++) {
      List<Future<Http.Response>> calls = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        calls.add(
            http.sendAsync(
                HttpMethod.GET,
                skiffd.gatewayPort(),
                "splitter.default.localhost",
                "/?name=s",
                Map.of(),
                null));
      }
      for (Future<Http.Response> call : calls) {
        Http.Response r = call.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        String text = r.status() + " " + r.text().trim();
        if (text.equals("200 One, s!")) {
          first++;
        } else if (text.equals("200 Two, s!")) {
          second++;
        } else if (other.size() < 10) {
          other.add(text);
        }
      }
    }
    double share = first / (double) total;
    System.out.printf(
        "MeshCallsIT split: %d mesh calls, split-00001 (90 %%) answered %d (%.2f %%), split-00002"
            + " (10 %%) %d, other answers %d%n",
        total, first, 100 * share, second, total - first - second);

    assertEquals(total, first + second, () -> "answers other than the two revisions': " + other);
    assertTrue(Math.abs(share - 0.9) <= 0.03, "split-00001 answered " + share + " of the calls");
  }

  @Test
  void theFullNameWithTheDomainWorksToo() throws Exception {
    Http.Response r = get("full.default.localhost", "/?name=full");

    assertEquals(200, r.status(), r.text());
    assertEquals("Hello, full!", r.text().trim());
  }

  @Test
  void theCalleesPolicyDeniesAnotherNamespaceAndThe403ReachesTheCaller() throws Exception {
    Http.Response r = get("caller.other.localhost", "/?name=intruder");

    assertEquals(403, r.status(), r.text());
    assertEquals("403", r.headers().get("X-Callee-Status"));
    assertTrue(r.text().contains("spiffe://skiff.local/ns/other/svc/caller"), r.text());
  }

  @Test
  void aHostInAllowedHostsIsCalledDirectly() throws Exception {
    // Revision 1 (without allowedHosts) answers until revision 2 takes the traffic.
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    Http.Response r = get("allowed.default.localhost", "/");
    while (r.status() != 200 && System.nanoTime() < deadline) {
      Thread.sleep(100); // poll interval while the new revision becomes ready
      r = get("allowed.default.localhost", "/");
    }

    assertEquals(200, r.status(), r.text());
    assertEquals("outside ok", r.text());
  }

  @Test
  void aHostOutsideTheMeshAndNotAllowedIsRefusedWithDestinationNotAllowed() throws Exception {
    Http.Response r = get("outside.default.localhost", "/");

    assertEquals(502, r.status(), r.text());
    assertTrue(r.text().contains("wasi_experimental_http error 7"), r.text());
  }
}
