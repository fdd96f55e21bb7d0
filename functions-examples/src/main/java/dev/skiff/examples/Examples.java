package dev.skiff.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The example Wasm modules built with this module, read from the classpath ({@code
 * /examples/<name>.wasm}), and the container example's OCI image layout ({@code
 * /examples/oci/hello-server/}).
 *
 * <p>{@code greet} (WAT) is always built. {@code hello}, {@code echo} and {@code cpu} (C) exist
 * only when the build machine had clang for wasm32-wasi; check {@link #has(String)} and skip
 * otherwise. The container example exists only when it had gcc with a static libc; see {@link
 * #containerLayout()}.
 */
public final class Examples {
  /** WAGI function in C: {@code Hello, <name>!} from the {@code name} query parameter. */
  public static final String HELLO = "hello";

  /**
   * WAGI function in C: reflects method, path, query and headers as {@code X-Echo-*}, body as is.
   */
  public static final String ECHO = "echo";

  /** WAGI function in WAT: a greeting followed by {@code PATH_INFO}. */
  public static final String GREET = "greet";

  /**
   * WAGI function in C, CPU-bound: SHA-256 over {@code mb} MiB (default 4) it generates itself,
   * answering the hex digest. The workload of bench/'s Wasm execution benchmarks; not in {@link
   * #ALL}, so {@code skiffd --examples} does not deploy it.
   */
  public static final String CPU = "cpu";

  /**
   * WAGI function in C for Kafka triggers: answers each CloudEvent with one of its own ({@code
   * ce-id: reply-<id>}, the incoming data). Not in {@link #ALL}: a trigger names it.
   */
  public static final String EVENT = "event";

  /**
   * WAGI function in C that answers 500 to {@code FAIL_PERCENT} % of requests (an env var, 0 to
   * 100, default 0) and 200 {@code ok} to the rest: the bad revision of the automatic-rollback
   * tests. Not in {@link #ALL}.
   */
  public static final String FLAKY = "flaky";

  /**
   * WAGI function in C that calls another function by name through the mesh ({@code
   * wasi_experimental_http}): GET {@code CALLEE_URL} (default {@code http://hello.default/}) with
   * its own query, answering with the callee's status, content type and body. Not in {@link #ALL}.
   */
  public static final String CALLER = "caller";

  /** The examples {@code skiffd --examples} deploys. */
  public static final List<String> ALL = List.of(HELLO, ECHO, GREET);

  /**
   * The reference {@code skiffd --examples} imports the container example under: {@code
   * container/hello-server.c}, a static HTTP server on {@code $PORT} (8080) answering {@code Hello
   * from a container (revision $K_REVISION)}. {@code local.skiff} images are never pulled, only
   * imported; the layout's image is tagged with this reference's tag.
   */
  public static final String CONTAINER_IMAGE = "local.skiff/examples/hello-server:1";

  private static final String LAYOUT = "examples/oci/hello-server";

  private Examples() {}

  /** Whether the example was built and packaged. */
  public static boolean has(String name) {
    return Examples.class.getResource(resource(name)) != null;
  }

  /**
   * The module's bytes.
   *
   * @throws IllegalStateException when the example was not built (C examples need clang)
   */
  public static byte[] wasm(String name) {
    try (InputStream in = Examples.class.getResourceAsStream(resource(name))) {
      if (in == null) {
        throw new IllegalStateException(
            "example '" + name + "' was not built; C examples need clang with wasm32-wasi support");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The container example's OCI image layout, to import as {@link #CONTAINER_IMAGE}; empty when the
   * build machine had no gcc with a static libc. Running from the build tree this is the directory
   * under {@code target/classes}; from a jar, the layout is extracted into a new temporary
   * directory on each call, deleted when the JVM exits. Blocks on file I/O.
   */
  public static Optional<Path> containerLayout() {
    return containerLayout(Examples.class.getClassLoader());
  }

  static Optional<Path> containerLayout(ClassLoader loader) {
    // The builder lists the layout's files, as a class loader cannot list a directory in a jar.
    URL list = loader.getResource(LAYOUT + ".files");
    if (list == null) {
      return Optional.empty();
    }
    try {
      URL index = loader.getResource(LAYOUT + "/index.json");
      if (index != null && index.getProtocol().equals("file")) {
        return Optional.of(Path.of(index.toURI()).getParent());
      }
      return Optional.of(extract(loader, list));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract the container example's layout", e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path extract(ClassLoader loader, URL list) throws IOException {
    List<String> files;
    try (InputStream in = list.openStream()) {
      files =
          new String(in.readAllBytes(), StandardCharsets.UTF_8)
              .lines()
              .filter(l -> !l.isBlank())
              .toList();
    }
    Path dir = Files.createTempDirectory("skiff-example-oci-");
    // deleteOnExit deletes in reverse order of registration: register directories before files.
    dir.toFile().deleteOnExit();
    Set<Path> registered = new HashSet<>(Set.of(dir));
    for (String name : files) {
      Path target = dir.resolve(name).normalize();
      if (!target.startsWith(dir) || target.equals(dir)) {
        throw new IllegalStateException("bad entry '" + name + "' in " + list);
      }
      Path parent = dir;
      for (Path part : dir.relativize(target.getParent())) {
        parent = parent.resolve(part);
        if (registered.add(parent)) {
          Files.createDirectories(parent);
          parent.toFile().deleteOnExit();
        }
      }
      try (InputStream in = loader.getResourceAsStream(LAYOUT + "/" + name)) {
        if (in == null) {
          throw new IllegalStateException(list + " names " + name + ", which is missing");
        }
        Files.copy(in, target);
      }
      target.toFile().deleteOnExit();
    }
    return dir;
  }

  private static String resource(String name) {
    return "/examples/" + name + ".wasm";
  }
}
