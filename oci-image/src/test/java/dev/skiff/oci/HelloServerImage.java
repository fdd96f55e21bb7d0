package dev.skiff.oci;

import dev.skiff.testing.Prerequisites;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The container example as an image: {@code functions-examples/container/hello-server.c} compiled
 * with {@code gcc -static -O2} and written, with our own layout writer, as a one-layer image whose
 * entrypoint is {@code /hello-server}. Shared with the container backend's tests.
 */
public final class HelloServerImage {
  public static final String SOURCE = "functions-examples/container/hello-server.c";
  public static final ImageConfig CONFIG =
      new ImageConfig(
          List.of("/hello-server"),
          List.of(),
          List.of("PORT=8080", "PATH=/"),
          "/",
          "",
          Set.of("8080/tcp"));

  private HelloServerImage() {}

  /**
   * Compiles the server into {@code dir/hello-server}; skips the test (fails it in CI) when gcc is
   * missing.
   */
  public static Path compile(Path dir) throws IOException, InterruptedException {
    Path gcc = Path.of("/usr/bin/gcc");
    Prerequisites.requireExecutable(gcc, "apt-get install gcc libc6-dev");
    Path source = source();
    Path binary = dir.resolve("hello-server");
    Process p =
        new ProcessBuilder(
                gcc.toString(),
                "-static",
                "-O2",
                "-pthread",
                "-o",
                binary.toString(),
                source.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("gcc failed on " + source + ": " + out);
    }
    return binary;
  }

  /** Compiles and writes the image into the layout {@code layout} under {@code tag}. */
  public static LayoutImage write(Path workDir, Path layout, String tag)
      throws IOException, InterruptedException {
    Path binary = compile(workDir);
    return OciLayoutWriter.builder()
        .withConfig(CONFIG)
        .addLayer(
            ImageLayer.builder().file("hello-server", Files.readAllBytes(binary), 0755).build())
        .build()
        .write(layout, tag);
  }

  /** The C source, found from the module or the repository root. */
  public static Path source() {
    return sourceOf(SOURCE);
  }

  /** A file of the repository, found from the module or the repository root. */
  static Path sourceOf(String relative) {
    for (Path base = Path.of("").toAbsolutePath(); base != null; base = base.getParent()) {
      Path candidate = base.resolve(relative);
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(relative + " not found above " + Path.of("").toAbsolutePath());
  }

  /**
   * Runs the built server binary on a free loopback port as revision {@code revision} and returns
   * its answer to {@code GET /}; stops it afterwards.
   */
  public static String serve(Path binary, String revision) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    ProcessBuilder pb = new ProcessBuilder(binary.toString());
    pb.environment().put("PORT", String.valueOf(port));
    pb.environment().put("K_REVISION", revision);
    Process server =
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
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
