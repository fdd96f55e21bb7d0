package dev.skiff.examples.build;

import dev.skiff.examples.Examples;
import dev.skiff.oci.ImageConfig;
import dev.skiff.oci.ImageLayer;
import dev.skiff.oci.LayoutImage;
import dev.skiff.oci.OciLayoutWriter;
import dev.skiff.oci.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Builds the container example; run by Maven (exec-maven-plugin) in {@code process-classes}, after
 * {@link ExampleBuilder}.
 *
 * <p>Compiles {@code container/hello-server.c} with {@code gcc -static -O2 -pthread} and writes it,
 * with node-runtime's {@link OciLayoutWriter}, as a one-layer OCI image layout for this machine's
 * architecture: {@code /hello-server} (0755), entrypoint {@code ["/hello-server"]}, env {@code
 * PORT=8080}, port {@code 8080/tcp}, tagged as {@link Examples#CONTAINER_IMAGE} is. Then copies the
 * layout into the classes directory, with a list of its files, so the jar carries it and {@link
 * Examples#containerLayout()} can extract it. Without a gcc that links static programs it says so
 * and removes stale outputs, so the jar reflects this build.
 *
 * <p>Arguments: source base directory, build directory for the binary ({@code target/container}),
 * layout directory ({@code target/oci/hello-server}), classes directory for the jar ({@code
 * target/classes/examples/oci}). System property {@code skiff.gcc} (default {@code gcc}) names the
 * compiler.
 */
public final class ContainerExampleBuilder {
  static final String NAME = "hello-server";
  static final ImageConfig CONFIG =
      new ImageConfig(
          List.of("/" + NAME),
          List.of(),
          List.of("PORT=8080", "PATH=/"),
          "/",
          "",
          Set.of("8080/tcp"));

  private ContainerExampleBuilder() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 4) {
      throw new IllegalArgumentException(
          "usage: ContainerExampleBuilder <basedir> <build-dir> <layout-out> <classes-out>");
    }
    Path base = Path.of(args[0]);
    Path build = Files.createDirectories(Path.of(args[1]));
    Path layout = Path.of(args[2]);
    Path classes = Files.createDirectories(Path.of(args[3]));
    // A layout keeps the blobs of images it held before; start afresh so the jar has only this one.
    deleteTree(layout);
    deleteTree(classes.resolve(NAME));
    Files.deleteIfExists(classes.resolve(NAME + ".files"));

    var gcc = Gcc.detect(System.getProperty("skiff.gcc", "gcc"));
    if (gcc.isEmpty()) {
      return;
    }
    Path binary = build.resolve(NAME);
    gcc.get().compile(base.resolve("container").resolve(NAME + ".c"), binary);
    String reference = Examples.CONTAINER_IMAGE;
    LayoutImage image =
        OciLayoutWriter.builder()
            .withConfig(CONFIG)
            .withPlatform(hostPlatform())
            .addLayer(ImageLayer.builder().file(NAME, Files.readAllBytes(binary), 0755).build())
            .build()
            .write(layout, reference.substring(reference.lastIndexOf(':') + 1));
    List<String> files = copyTree(layout, classes.resolve(NAME));
    Files.write(classes.resolve(NAME + ".files"), files);
    ExampleBuilder.log(
        "built the container example "
            + NAME
            + " ("
            + Files.size(binary) / 1024
            + " KiB, "
            + image.manifestDigest()
            + ") into "
            + layout
            + " and the jar's /examples/oci/"
            + NAME);
  }

  /** The OCI platform of the binaries gcc makes here (Java and OCI differ only on two names). */
  static Platform hostPlatform() {
    String arch =
        switch (System.getProperty("os.arch")) {
          case "amd64", "x86_64" -> "amd64";
          case "aarch64" -> "arm64";
          default -> System.getProperty("os.arch");
        };
    return new Platform("linux", arch, null);
  }

  /** Copies the tree; returns the copied files' paths relative to {@code from}, '/'-separated. */
  private static List<String> copyTree(Path from, Path to) throws IOException {
    var files = new ArrayList<String>();
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.sorted().toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
          files.add(from.relativize(p).toString().replace('\\', '/'));
        }
      }
    }
    return files;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
