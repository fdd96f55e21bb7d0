package dev.skiff.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container example, built from source into an OCI layout, imported as {@code local.skiff} with
 * no registry anywhere, prepared again after a restart, and run: it answers HTTP.
 */
class ImageImportIT {
  private static final String REFERENCE = "local.skiff/examples/hello-server:1";

  @TempDir Path tmp;

  @Test
  void importedHelloServerPreparesAfterRestartWithoutRegistryAndServes() throws Exception {
    LayoutImage image = HelloServerImage.write(tmp, tmp.resolve("layout"), "1");
    Vertx vertx = Vertx.vertx();
    try {
      ImageStore node = ImageStore.builder(vertx).withDataDir(tmp.resolve("node")).build();
      long t0 = System.nanoTime();
      Await.result(node.importLayout(image.layout(), REFERENCE));
      long importMs = (System.nanoTime() - t0) / 1_000_000;
      Await.result(node.close());

      ImageStore restarted = ImageStore.builder(vertx).withDataDir(tmp.resolve("node")).build();
      long t1 = System.nanoTime();
      PreparedImage prepared = Await.result(restarted.prepare(REFERENCE, PullOptions.defaults()));
      long prepareMs = (System.nanoTime() - t1) / 1_000_000;
      Await.result(restarted.close());
      System.out.printf(
          "hello-server: import %d ms, prepare by local tag after restart %d ms%n",
          importMs, prepareMs);

      assertEquals(image.manifestDigest(), prepared.manifestDigest());
      assertEquals(List.of("/hello-server"), prepared.config().entrypoint());
      assertEquals(
          "Hello from a container (revision hello-00001)\n",
          HelloServerImage.serve(prepared.layers().get(0).resolve("hello-server"), "hello-00001"));
    } finally {
      Await.result(vertx.close());
    }
  }
}
