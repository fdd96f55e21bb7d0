package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.oci.HelloServerImage;
import dev.skiff.oci.LayoutPusher;
import dev.skiff.oci.LocalRegistry;
import dev.skiff.oci.PushOptions;
import dev.skiff.oci.RegistryClient;
import dev.skiff.testing.Prerequisites;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container service under real runc with the mesh switch on: its instance is reached through its
 * sidecar (mTLS, the service's policy), found through {@code GET /v1/instances}, and its requests
 * are counted once, by the sidecar.
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
      new LayoutPusher(vertx, RegistryClient.builder(vertx).build())
          .push(dir.resolve("layout"), "1", image, PushOptions.defaults())
          .toCompletionStage()
          .toCompletableFuture()
          .get(60, TimeUnit.SECONDS);
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
}
