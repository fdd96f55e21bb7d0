package dev.skiff.examples.build;

import com.dylibso.chicory.wabt.Wat2Wasm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Builds the example modules; run by Maven (exec-maven-plugin) in {@code process-classes}.
 *
 * <p>Assembles {@code wat/*.wat} with Chicory's wabt, compiles {@code <name>/<name>.c} with clang
 * for wasm32-wasi when such a clang is available (otherwise says so, and removes stale C outputs so
 * the jar reflects this build), writes the modules to the output directory and copies them into the
 * classes directory so the jar carries them.
 *
 * <p>Arguments: source base directory, output directory ({@code target/wasm}), classes directory
 * for the jar ({@code target/classes/examples}). System properties {@code skiff.clang} (default
 * {@code clang}) and {@code skiff.wasi.sysroot} (default: the first of the usual locations that
 * exists, else clang's own default) override the toolchain.
 */
public final class ExampleBuilder {
  static final List<String> C_EXAMPLES =
      List.of("hello", "echo", "cpu", "event", "flaky", "caller");

  private ExampleBuilder() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      throw new IllegalArgumentException(
          "usage: ExampleBuilder <basedir> <wasm-out> <classes-out>");
    }
    Path base = Path.of(args[0]);
    Path out = Files.createDirectories(Path.of(args[1]));
    Path classes = Files.createDirectories(Path.of(args[2]));

    var built = new ArrayList<Path>(assembleWat(base.resolve("wat"), out));
    var clang =
        Clang.detect(
            System.getProperty("skiff.clang", "clang"),
            System.getProperty("skiff.wasi.sysroot", ""));
    for (String name : C_EXAMPLES) {
      Path module = out.resolve(name + ".wasm");
      if (clang.isPresent()) {
        clang.get().compile(base.resolve(name).resolve(name + ".c"), module);
        built.add(module);
      } else {
        Files.deleteIfExists(module);
        Files.deleteIfExists(classes.resolve(module.getFileName()));
      }
    }
    for (Path module : built) {
      Files.copy(
          module, classes.resolve(module.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }
    log(
        "built "
            + built.stream().map(p -> p.getFileName().toString()).sorted().toList()
            + " into "
            + out
            + " and the jar's /examples");
  }

  private static List<Path> assembleWat(Path watDir, Path out) throws IOException {
    var built = new ArrayList<Path>();
    try (Stream<Path> sources = Files.list(watDir)) {
      for (Path source : sources.filter(p -> p.toString().endsWith(".wat")).sorted().toList()) {
        String name = source.getFileName().toString().replaceFirst("\\.wat$", "");
        built.add(Files.write(out.resolve(name + ".wasm"), Wat2Wasm.parse(source.toFile())));
      }
    }
    return built;
  }

  static void log(String line) {
    System.out.println("[skiff examples] " + line);
  }
}
