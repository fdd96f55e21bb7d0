package dev.skiff.examples.build;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** A clang that can build wasm32-wasi programs, found by trying it on a tiny program. */
final class Clang {
  private static final List<String> SYSROOTS =
      List.of(
          "/usr/share/wasi-sysroot",
          "/opt/wasi-sdk/share/wasi-sysroot",
          "/usr/local/share/wasi-sysroot");
  private final List<String> baseCommand;

  private Clang(List<String> baseCommand) {
    this.baseCommand = baseCommand;
  }

  /**
   * The toolchain, or empty (with the reason logged) when the machine cannot build C examples.
   *
   * @param executable clang's name or path
   * @param sysroot the wasi-libc sysroot; blank to look in the usual places, then trust clang's
   *     default (Debian's wasi-libc installs into clang's default multiarch paths)
   */
  static Optional<Clang> detect(String executable, String sysroot) throws IOException {
    var command =
        new ArrayList<>(List.of(executable, "--target=wasm32-wasi", "-O2", "-Wall", "-Wextra"));
    String root =
        sysroot.isBlank()
            ? SYSROOTS.stream().filter(p -> Files.isDirectory(Path.of(p))).findFirst().orElse("")
            : sysroot;
    if (!root.isBlank()) {
      command.add("--sysroot=" + root);
    }
    var clang = new Clang(command);
    Path probeDir = Files.createTempDirectory("skiff-clang-probe");
    try {
      Path source =
          Files.writeString(
              probeDir.resolve("probe.c"),
              "#include <stdio.h>\nint main(void) { return puts(\"\") < 0; }\n");
      Result probe = clang.run(source, probeDir.resolve("probe.wasm"));
      if (!probe.ok()) {
        ExampleBuilder.log(
            "SKIPPING C examples: no clang able to build wasm32-wasi ("
                + probe.output().lines().findFirst().orElse("no output")
                + "). Install clang, lld and wasi-libc, or set -Dskiff.clang /"
                + " -Dskiff.wasi.sysroot.");
        return Optional.empty();
      }
      return Optional.of(clang);
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
      throw new IllegalStateException("clang failed on " + source + ":\n" + result.output());
    }
    if (!result.output().isBlank()) {
      ExampleBuilder.log("clang says:\n" + result.output());
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
        return new Result(false, "clang timed out");
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
