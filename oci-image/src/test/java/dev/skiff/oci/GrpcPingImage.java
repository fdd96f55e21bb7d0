package dev.skiff.oci;

import dev.skiff.testing.Prerequisites;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The h2c example as an image, in the role of Knative's grpc-ping sample: {@code
 * functions-examples/container/grpc-ping.c} (a gRPC {@code ping.PingService} over HTTP/2 cleartext)
 * compiled with {@code gcc -static -O2} against Debian's static libnghttp2, written with our own
 * layout writer as a one-layer image whose entrypoint is {@code /grpc-ping}.
 */
public final class GrpcPingImage {
  public static final String SOURCE = "functions-examples/container/grpc-ping.c";
  public static final ImageConfig CONFIG =
      new ImageConfig(
          List.of("/grpc-ping"), List.of(), List.of("PORT=8080", "PATH=/"), "/", "", Set.of());

  private GrpcPingImage() {}

  /**
   * Compiles the server into {@code dir/grpc-ping}; skips the test (fails it in CI) when gcc or
   * libnghttp2's static library is missing.
   */
  public static Path compile(Path dir) throws IOException, InterruptedException {
    Path gcc = Path.of("/usr/bin/gcc");
    Prerequisites.requireExecutable(gcc, "apt-get install gcc libc6-dev");
    Path nghttp2 = Path.of("/usr/include/nghttp2/nghttp2.h");
    Prerequisites.require(
        Files.isRegularFile(nghttp2), nghttp2.toString(), "apt-get install libnghttp2-dev");
    Path source = HelloServerImage.sourceOf(SOURCE);
    Path binary = dir.resolve("grpc-ping");
    Process p =
        new ProcessBuilder(
                gcc.toString(),
                "-static",
                "-O2",
                "-o",
                binary.toString(),
                source.toString(),
                "-lnghttp2")
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
        .addLayer(ImageLayer.builder().file("grpc-ping", Files.readAllBytes(binary), 0755).build())
        .build()
        .write(layout, tag);
  }
}
