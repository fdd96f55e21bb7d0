package dev.skiff.node.container;

import dev.skiff.node.container.internal.Commands;
import dev.skiff.node.container.internal.OciRuntime;
import dev.skiff.testing.Prerequisites;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real container backend per test, in a scope of its own (namespaces, cgroups, links, nftables
 * table, runc root), checked to leave nothing on the host when the test ends. Skips (fails in CI)
 * unless root with runc, busybox, ip and nft.
 */
abstract class ContainerFixture {
  private static final SecureRandom RANDOM = new SecureRandom();
  static Vertx vertx;

  @TempDir Path dir;
  ContainerConfig config;
  ContainerBackend backend;

  @BeforeAll
  static void requireHost() {
    Prerequisites.require(
        "0".equals(Commands.run(java.util.List.of("id", "-u")).stdout().strip()),
        "root (containers need namespaces, cgroups and mounts)",
        "run the tests as root, e.g. `sudo bin/test`");
    Prerequisites.require(OciRuntime.detect(null) != null, "runc or crun", "apt-get install runc");
    Prerequisites.require(
        TestImages.available(), "a static busybox", "apt-get install busybox-static");
    Prerequisites.require(
        Files.isExecutable(Path.of("/usr/sbin/nft")) || Files.isExecutable(Path.of("/sbin/nft")),
        "nft",
        "apt-get install nftables");
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void closeVertx() throws Exception {
    if (vertx != null) {
      await(vertx.close());
    }
  }

  /** A fresh backend; {@code tweak} may change any setting but the scope's names. */
  ContainerBackend backend(ImageSource images, Consumer<ContainerConfig.Builder> tweak)
      throws Exception {
    return backend(images, tweak, null);
  }

  /** A fresh backend whose instances get {@code door} (null for none). */
  ContainerBackend backend(
      ImageSource images, Consumer<ContainerConfig.Builder> tweak, OutboundDoor door)
      throws Exception {
    ContainerConfig.Builder b = newConfig();
    tweak.accept(b);
    config = b.build();
    backend = await(ContainerBackend.create(vertx, config, images, door));
    return backend;
  }

  /**
   * Settings in a scope of their own: random names, a random /24, state under the test's directory.
   */
  ContainerConfig.Builder newConfig() {
    String scope = "t" + Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36).substring(0, 6);
    return ContainerConfig.builder()
        .withDataDir(dir.resolve("data"))
        .withScope(scope)
        .withInterfacePrefix(scope)
        .withRuntimeRoot(dir.resolve("oci-state"))
        .withSubnet("10." + (200 + RANDOM.nextInt(50)) + "." + RANDOM.nextInt(256) + ".0/24");
  }

  ContainerBackend backend(ContainerImage image) throws Exception {
    return backend(ref -> Future.succeededFuture(image), b -> {});
  }

  @AfterEach
  void closeAndCheckNothingIsLeft() throws Exception {
    if (backend != null) {
      await(backend.close());
      Leftovers.assertNone(config, backend.runtime(), null, Duration.ofSeconds(10));
    }
  }

  static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }

  static HttpResponse<String> get(String host, int port, String path) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    return client.send(
        HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
