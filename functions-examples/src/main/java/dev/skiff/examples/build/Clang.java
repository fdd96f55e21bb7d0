package dev.skiff.examples.build;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Finds a clang that can build wasm32-wasi programs. */
final class Clang {
  private static final List<String> SYSROOTS =
      List.of(
          "/usr/share/wasi-sysroot",
          "/opt/wasi-sdk/share/wasi-sysroot",
          "/usr/local/share/wasi-sysroot");

  private Clang() {}

  /**
   * The toolchain, or empty (with the reason logged) when the machine cannot build C examples.
   *
   * @param executable clang's name or path
   * @param sysroot the wasi-libc sysroot; blank to look in the usual places, then trust clang's
   *     default (Debian's wasi-libc installs into clang's default multiarch paths)
   */
  static Optional<CCompiler> detect(String executable, String sysroot) throws IOException {
    var command =
        new ArrayList<>(List.of(executable, "--target=wasm32-wasi", "-O2", "-Wall", "-Wextra"));
    String root =
        sysroot.isBlank()
            ? SYSROOTS.stream().filter(p -> Files.isDirectory(Path.of(p))).findFirst().orElse("")
            : sysroot;
    if (!root.isBlank()) {
      command.add("--sysroot=" + root);
    }
    return CCompiler.detect(
        "clang",
        command,
        "#include <stdio.h>\nint main(void) { return puts(\"\") < 0; }\n",
        "SKIPPING C examples: no clang able to build wasm32-wasi ({reason}). Install clang, lld and"
            + " wasi-libc, or set -Dskiff.clang / -Dskiff.wasi.sysroot.");
  }
}
