package dev.skiff.node.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container example, built from source into an OCI layout, imported as {@code local.skiff}
 * with no registry anywhere, prepared again after a restart, and run: it answers HTTP.
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
      System.out.printf("hello-server: import %d ms, prepare by local tag after restart %d ms%n",
          importMs, prepareMs);

      assertEquals(image.manifestDigest(), prepared.manifestDigest());
      assertEquals(List.of("/hello-server"), prepared.config().entrypoint());
      assertEquals("Hello from a container (revision hello-00001)\n",
          serve(prepared.layers().get(0).resolve("hello-server")));
    } finally {
      Await.result(vertx.close());
    }
  }

  private static String serve(Path binary) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    ProcessBuilder pb = new ProcessBuilder(binary.toString());
    pb.environment().put("PORT", String.valueOf(port));
    pb.environment().put("K_REVISION", "hello-00001");
    Process server = pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      HttpRequest get =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (true) {
        try {
          return http.send(get, HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException notListeningYet) {
          if (System.nanoTime() > deadline) {
            throw notListeningYet;
          }
          Thread.sleep(20); // polling with a deadline
        }
      }
    } finally {
      server.destroy();
      server.waitFor(5, TimeUnit.SECONDS);
    }
  }
}
