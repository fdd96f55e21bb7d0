package dev.skiff.examples.build;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A C compiler command line (clang for wasm32-wasi, gcc for static programs), accepted only after
 * it built a tiny probe program: the build skips the examples it cannot make, and says why.
 */
final class CCompiler {
  private final String name;
  private final List<String> baseCommand;

  private CCompiler(String name, List<String> baseCommand) {
    this.name = name;
    this.baseCommand = List.copyOf(baseCommand);
  }

  /**
   * The compiler, or empty (with {@code skipped} and the compiler's first line of output logged)
   * when it cannot build {@code probeSource}.
   */
  static Optional<CCompiler> detect(
      String name, List<String> baseCommand, String probeSource, String skipped)
      throws IOException {
    var compiler = new CCompiler(name, baseCommand);
    Path probeDir = Files.createTempDirectory("skiff-" + name + "-probe");
    try {
      Path source = Files.writeString(probeDir.resolve("probe.c"), probeSource);
      Result probe = compiler.run(source, probeDir.resolve("probe.out"));
      if (!probe.ok()) {
        ExampleBuilder.log(
            skipped.replace("{reason}", probe.output().lines().findFirst().orElse("no output")));
        return Optional.empty();
      }
      return Optional.of(compiler);
    } finally {
      try (var files = Files.list(probeDir)) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
      Files.delete(probeDir);
    }
  }

  /** Compiles one example; a compile error fails the build. */
  void compile(Path source, Path output) {
    Result result = run(source, output);
    if (!result.ok()) {
      throw new IllegalStateException(name + " failed on " + source + ":\n" + result.output());
    }
    if (!result.output().isBlank()) {
      ExampleBuilder.log(name + " says:\n" + result.output());
    }
  }

  private Result run(Path source, Path output) {
    var command = new ArrayList<>(baseCommand);
    command.addAll(List.of("-o", output.toString(), source.toString()));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new Result(false, name + " timed out");
      }
      return new Result(process.exitValue() == 0, text);
    } catch (IOException e) {
      return new Result(false, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(false, "interrupted");
    }
  }

  private record Result(boolean ok, String output) {}
}
