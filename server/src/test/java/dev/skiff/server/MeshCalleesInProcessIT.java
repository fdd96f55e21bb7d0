package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.examples.Examples;
import dev.skiff.meshproxy.Callee;
import dev.skiff.meshproxy.Sidecar;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mesh's outbound side (eventing's deliveries, Wasm functions' calls) enters a Wasm instance of
 * this JVM in process: it knows the instance by the address the node publishes, so skiffd's lookup
 * must find the instance's sidecar by that address and identity, and by nothing else. (It once
 * looked the sidecar up by port in a map keyed by instance name: every event went over mTLS.)
 */
class MeshCalleesInProcessIT {
  @TempDir static Path dir;
  static RunningSkiffd skiffd;
  static Http http;
  static MeshProbe probe;

  @BeforeAll
  static void start() throws Exception {
    skiffd = RunningSkiffd.start(dir.resolve("data"), 30, o -> o.meshSwitch = "on");
    http = new Http(HttpVersion.HTTP_1_1);
    probe = new MeshProbe(skiffd, http, dir);
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
  void aWasmInstanceIsFoundInProcessByItsPublishedAddressAndIdentity() throws Exception {
    Path wasm = Files.write(dir.resolve("echo.wasm"), Examples.wasm(Examples.ECHO));
    probe
        .cli()
        .ok("deploy", "local-echo", "--wasm", wasm.toString(), "--annotation", MeshProbe.MIN_SCALE);
    JsonNode instance = probe.readyInstance("local-echo");
    String address = instance.get("address").asText();
    String host = address.substring(0, address.lastIndexOf(':'));
    int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    String identity = instance.get("identity").asText();
    assertEquals("spiffe://skiff.local/ns/default/svc/local-echo", identity);
    var callees = skiffd.skiffd.meshFronts().localCallees();

    Sidecar found = awaitFound(callees, new Callee(host, port, identity));

    assertNotNull(found, "the published address " + address + " names an in-process sidecar");
    assertSame(found, callees.find(new Callee(host, port, identity)), "the same one every time");
    assertNull(
        callees.find(new Callee(host, port, "spiffe://skiff.local/ns/default/svc/other")),
        "another identity at that address is not this sidecar");
    assertNull(
        callees.find(new Callee(host, port == 65535 ? 1 : port + 1, identity)),
        "another port is not this sidecar");
  }

  /**
   * The address is published once the listener is bound; the lookup learns it in the same
   * completion, so it may trail the API by a moment: polled, with a generous deadline.
   */
  private static Sidecar awaitFound(dev.skiff.meshproxy.spi.LocalCallees callees, Callee callee)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    Sidecar found = callees.find(callee);
    while (found == null && System.nanoTime() < deadline) {
      Thread.sleep(20);
      found = callees.find(callee);
    }
    return found;
  }
}
