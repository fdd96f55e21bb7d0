package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.examples.Examples;
import dev.skiff.oci.HelloServerImage;
import dev.skiff.oci.ImageLayer;
import dev.skiff.oci.LayoutPusher;
import dev.skiff.oci.LocalRegistry;
import dev.skiff.oci.OciLayoutWriter;
import dev.skiff.oci.PushOptions;
import dev.skiff.oci.RegistryClient;
import dev.skiff.testing.Prerequisites;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container function from a real registry on loopback, under real runc, scales 0 → 1 → 0 through
 * the gateway and the activator with no failed request, while a Wasm function answers beside it.
 */
class ContainerFunctionsIT {
  @TempDir Path dir;

  @Test
  void containerScalesFromZeroAndBackBesideAWasmFunction() throws Exception {
    Prerequisites.requireRoot("containers");
    Prerequisites.requireExecutable(Path.of("/usr/sbin/runc"), "apt-get install runc");
    LocalRegistry.assumeInstalled();
    try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"));
        RunningSkiffd skiffd = RunningSkiffd.start(dir.resolve("data"), 1);
        Http http = new Http(HttpVersion.HTTP_1_1)) {
      String image = registry.address() + "/examples/hello-server:1";
      Vertx vertx = Vertx.vertx();
      String pushed;
      LayoutPusher pusher = new LayoutPusher(vertx, RegistryClient.builder(vertx).build());
      Path build = Files.createDirectories(dir.resolve("build"));
      HelloServerImage.write(build, dir.resolve("layout"), "1");
      pushed =
          pusher
              .push(dir.resolve("layout"), "1", image, PushOptions.defaults())
              .toCompletionStage()
              .toCompletableFuture()
              .get(60, TimeUnit.SECONDS);
      Cli cli = new Cli(skiffd);
      Path wasm = Files.write(dir.resolve("hello.wasm"), Examples.wasm(Examples.HELLO));
      cli.ok("deploy", "hello", "--wasm", wasm.toString());
      cli.ok(
          "deploy",
          "web",
          "--image",
          image,
          "--port",
          "8080",
          "--memory",
          "64Mi",
          "--annotation",
          "autoscaling.knative.dev/window=6s");
      assertTrue(cli.ok("list").out().contains("container"), "describe shows the kind");

      // The Wasm function keeps answering throughout.
      AtomicBoolean done = new AtomicBoolean();
      List<String> wasmFailures = new ArrayList<>();
      Thread beside =
          new Thread(
              () -> {
                try (Http own = new Http(HttpVersion.HTTP_1_1)) {
                  while (!done.get()) {
                    var r = own.get(skiffd.gatewayPort(), "hello.default.localhost", "/");
                    if (r.status() != 200) {
                      wasmFailures.add(r.status() + " " + r.text());
                    }
                    Thread.sleep(20);
                  }
                } catch (Exception e) {
                  wasmFailures.add(e.toString());
                }
              });
      beside.start();
      try {
        var warm = http.get(skiffd.gatewayPort(), "web.default.localhost", "/");
        assertEquals(200, warm.status(), warm.text());
        assertTrue(warm.text().contains("Hello from a container"), warm.text());
        assertTrue(
            warm.text().contains("web-00001"), "K_REVISION reaches the container: " + warm.text());

        assertEquals(
            pushed,
            revision(http, skiffd, "web-00001").at("/status/imageDigest").asText(),
            "the revision records the digest it runs");
        // The tag moves to another image; the revision keeps running the one it resolved.
        OciLayoutWriter.builder()
            .withConfig(HelloServerImage.CONFIG)
            .addLayer(
                ImageLayer.builder()
                    .file("hello-server", Files.readAllBytes(build.resolve("hello-server")), 0755)
                    .file(
                        "moved",
                        "the tag moved".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        0644)
                    .build())
            .build()
            .write(dir.resolve("layout2"), "1");
        String moved =
            pusher
                .push(dir.resolve("layout2"), "1", image, PushOptions.defaults())
                .toCompletionStage()
                .toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
        assertTrue(!moved.equals(pushed));

        awaitInstances(http, skiffd, "web-00001", n -> n == 0, 90);
        var cold = http.get(skiffd.gatewayPort(), "web.default.localhost", "/");
        assertEquals(200, cold.status(), "cold start from zero: " + cold.text());
        awaitInstances(http, skiffd, "web-00001", n -> n >= 1, 30);
        assertEquals(
            pushed,
            revision(http, skiffd, "web-00001").at("/status/imageDigest").asText(),
            "a new instance of the same revision runs the digest it had, not the moved tag");
        awaitInstances(http, skiffd, "web-00001", n -> n == 0, 90);
      } finally {
        done.set(true);
        beside.join(10_000);
        vertx.close();
      }
      assertEquals(List.of(), wasmFailures);
      var logs = cli.ok("logs", "web", "--tail", "50");
      assertEquals(0, logs.exit());
    }
  }

  private static JsonNode revision(Http http, RunningSkiffd s, String rev) throws Exception {
    return Json.mapper()
        .readTree(
            http.send(
                    io.vertx.core.http.HttpMethod.GET,
                    s.skiffd.apiPort(),
                    "127.0.0.1",
                    "/v1/namespaces/default/revisions/" + rev,
                    s.auth(),
                    null)
                .text());
  }

  private static int instances(Http http, RunningSkiffd s, String rev) throws Exception {
    return revision(http, s, rev).at("/status/readyInstances").asInt(-1);
  }

  private static void awaitInstances(
      Http http, RunningSkiffd s, String rev, java.util.function.IntPredicate wanted, int seconds)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    int n;
    while (!wanted.test(n = instances(http, s, rev))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(rev + " stayed at " + n + " instances");
      }
      Thread.sleep(100);
    }
  }
}
