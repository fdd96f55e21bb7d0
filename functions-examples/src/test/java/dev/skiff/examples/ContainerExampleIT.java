package dev.skiff.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.oci.HelloServerImage;
import dev.skiff.oci.ImageStore;
import dev.skiff.oci.PreparedImage;
import dev.skiff.oci.PullOptions;
import dev.skiff.testing.Prerequisites;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged container example, imported into a node's image store as skiffd does it, with no
 * registry: it prepares by its local.skiff reference, and its binary serves HTTP.
 */
class ContainerExampleIT {
  @TempDir Path tmp;

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void importedExamplePreparesByItsLocalReferenceAndServes() throws Exception {
    Optional<Path> layout = Examples.containerLayout();
    Prerequisites.require(
        layout.isPresent(),
        "gcc with a static libc (the container example was not built)",
        "apt-get install gcc libc6-dev, then rebuild functions-examples");
    Vertx vertx = Vertx.vertx();
    try {
      ImageStore store = ImageStore.builder(vertx).withDataDir(tmp).build();
      await(store.importLayout(layout.get(), Examples.CONTAINER_IMAGE));
      PreparedImage image = await(store.prepare(Examples.CONTAINER_IMAGE, PullOptions.defaults()));
      await(store.close());

      assertEquals(List.of("/hello-server"), image.config().entrypoint());
      assertEquals(
          "Hello from a container (revision example-00001)\n",
          HelloServerImage.serve(image.layers().get(0).resolve("hello-server"), "example-00001"));
    } finally {
      await(vertx.close());
    }
  }
}
