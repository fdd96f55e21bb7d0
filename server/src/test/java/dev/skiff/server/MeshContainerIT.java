package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.oci.HelloServerImage;
import dev.skiff.oci.LocalRegistry;
import dev.skiff.testing.Prerequisites;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container service under real runc with the mesh switch on: its instance is reached through its
 * sidecar (mTLS, the service's policy), found through {@code GET /v1/instances}, and its requests
 * are counted once, by the sidecar. A cold request is handed to the sidecar in process by the
 * activator (no TLS handshake on the cold path), which forwards it to the container.
 */
class MeshContainerIT {
  @TempDir Path dir;

  @Test
  void aContainerIsServedThroughItsSidecar() throws Exception {
    Prerequisites.requireRoot("containers");
    Prerequisites.requireExecutable(Path.of("/usr/sbin/runc"), "apt-get install runc");
    Prerequisites.requireExecutable(Path.of("/usr/bin/curl"), "apt-get install curl");
    LocalRegistry.assumeInstalled();
    Vertx vertx = Vertx.vertx();
    try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"));
        RunningSkiffd skiffd =
            RunningSkiffd.start(dir.resolve("data"), 30, o -> o.meshSwitch = "on");
        Http http = new Http(HttpVersion.HTTP_1_1)) {
      String image = registry.address() + "/examples/hello-server:1";
      HelloServerImage.write(
          Files.createDirectories(dir.resolve("build")), dir.resolve("layout"), "1");
      ImagePush.push(vertx, dir.resolve("layout"), image);
      MeshProbe probe = new MeshProbe(skiffd, http, dir);
      probe
          .cli()
          .ok(
              "deploy",
              "web",
              "--image",
              image,
              "--port",
              "8080",
              "--memory",
              "64Mi",
              "--annotation",
              MeshProbe.MIN_SCALE);
      Path same = probe.issue("default", "caller");
      Path other = probe.issue("other", "caller");

      JsonNode i = probe.readyInstance("web");
      String address = i.get("address").asText();

      assertEquals("container", i.get("kind").asText());
      assertTrue(address.startsWith("127.0.0.1:"), "the sidecar, not the container: " + address);
      assertEquals("spiffe://skiff.local/ns/default/svc/web", i.get("identity").asText());
      String ok = MeshProbe.curl(address, same);
      MeshProbe.assertStatus(200, ok);
      assertTrue(ok.contains("Hello from a container"), ok);
      MeshProbe.assertStatus(403, MeshProbe.curl(address, other));
      MeshProbe.Run bare =
          MeshProbe.run(
              "curl", "-sS", "-i", "--max-time", "10", "--insecure", "https://" + address + "/");
      assertNotEquals(0, bare.exit(), bare.out());
      assertFalse(bare.out().contains("HTTP/"), bare.out());
      int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
      assertFalse(MeshProbe.answersPlaintextHttp(port), "the sidecar answered plaintext");
    } finally {
      vertx.close();
    }
  }

  @Test
  void theActivatorHandsAColdContainerRequestToItsSidecarInProcess() throws Exception {
    Prerequisites.requireRoot("containers");
    Prerequisites.requireExecutable(Path.of("/usr/sbin/runc"), "apt-get install runc");
    LocalRegistry.assumeInstalled();
    Vertx vertx = Vertx.vertx();
    try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"));
        RunningSkiffd skiffd =
            RunningSkiffd.start(dir.resolve("data"), 30, o -> o.meshSwitch = "on");
        Http http = new Http(HttpVersion.HTTP_1_1)) {
      String image = registry.address() + "/examples/hello-server:1";
      HelloServerImage.write(
          Files.createDirectories(dir.resolve("build")), dir.resolve("layout"), "1");
      ImagePush.push(vertx, dir.resolve("layout"), image);
      new Cli(skiffd)
          .ok(
              "deploy",
              "cold-web",
              "--image",
              image,
              "--port",
              "8080",
              "--memory",
              "64Mi",
              "--annotation",
              "autoscaling.knative.dev/initial-scale=0",
              "--no-wait");
      double inProcessBefore = sum(http, skiffd, IN_PROCESS);
      double networkBefore = sum(http, skiffd, NETWORK);

      Http.Response r = awaitAnswer(http, skiffd, "cold-web.default.localhost");

      assertEquals(200, r.status(), r.text());
      assertTrue(r.text().contains("Hello from a container"), r.text());
      assertEquals(1, sum(http, skiffd, IN_PROCESS) - inProcessBefore, "handed over in process");
      assertEquals(0, sum(http, skiffd, NETWORK) - networkBefore, "no request over the network");
    } finally {
      vertx.close();
    }
  }

  private static final String IN_PROCESS = "skiff_activator_forwards_total{path=\"in_process\"";
  private static final String NETWORK = "skiff_activator_forwards_total{path=\"network\"";

  /** The first answer other than a 404 from a gateway that may not know the route yet. */
  private static Http.Response awaitAnswer(Http http, RunningSkiffd skiffd, String host)
      throws Exception {
    long deadline = System.nanoTime() + 60_000_000_000L;
    Http.Response r = http.get(skiffd.gatewayPort(), host, "/");
    while (r.status() == 404 && System.nanoTime() < deadline) {
      Thread.sleep(20);
      r = http.get(skiffd.gatewayPort(), host, "/");
    }
    return r;
  }

  private static double sum(Http http, RunningSkiffd skiffd, String series) throws Exception {
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
