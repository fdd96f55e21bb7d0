package dev.skiff.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The example Wasm modules built with this module, read from the classpath ({@code
 * /examples/<name>.wasm}).
 *
 * <p>{@code greet} (WAT) is always built. {@code hello} and {@code echo} (C) exist only when the
 * build machine had clang for wasm32-wasi; check {@link #has(String)} and skip otherwise.
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

  public static final List<String> ALL = List.of(HELLO, ECHO, GREET);

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

  private static String resource(String name) {
    return "/examples/" + name + ".wasm";
  }
}
