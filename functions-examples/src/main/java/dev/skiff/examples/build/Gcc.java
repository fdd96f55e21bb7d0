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
 * A gcc that links static programs (glibc's {@code libc.a} installed), found by trying it on a tiny
 * program.
 */
final class Gcc {
  private static final List<String> FLAGS = List.of("-static", "-O2", "-pthread");
  private final String executable;

  private Gcc(String executable) {
    this.executable = executable;
  }

  /** The compiler, or empty (with the reason logged) when it cannot build static programs. */
  static Optional<Gcc> detect(String executable) throws IOException {
    var gcc = new Gcc(executable);
    Path probeDir = Files.createTempDirectory("skiff-gcc-probe");
    try {
      Path source =
          Files.writeString(
              probeDir.resolve("probe.c"),
              "#include <pthread.h>\n#include <stdio.h>\n"
                  + "int main(void) { return puts(\"\") < 0; }\n");
      Result probe = gcc.run(source, probeDir.resolve("probe"));
      if (!probe.ok()) {
        ExampleBuilder.log(
            "SKIPPING the container example: no gcc able to link static programs ("
                + probe.output().lines().findFirst().orElse("no output")
                + "). Install gcc and libc6-dev (apt-get install gcc libc6-dev), or set"
                + " -Dskiff.gcc.");
        return Optional.empty();
      }
      return Optional.of(gcc);
    } finally {
      try (var files = Files.list(probeDir)) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
      Files.delete(probeDir);
    }
  }

  /** Compiles and links {@code source} statically; a compile error fails the build. */
  void compile(Path source, Path output) {
    Result result = run(source, output);
    if (!result.ok()) {
      throw new IllegalStateException("gcc failed on " + source + ":\n" + result.output());
    }
    if (!result.output().isBlank()) {
      ExampleBuilder.log("gcc says:\n" + result.output());
    }
  }

  private Result run(Path source, Path output) {
    var command = new ArrayList<>(List.of(executable));
    command.addAll(FLAGS);
    command.addAll(List.of("-o", output.toString(), source.toString()));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new Result(false, "gcc timed out");
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
