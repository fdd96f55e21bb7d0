package dev.skiff.examples.build;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Finds a gcc that links static programs (glibc's {@code libc.a} installed). */
final class Gcc {
  private static final List<String> FLAGS = List.of("-static", "-O2", "-pthread");

  private Gcc() {}

  /** The compiler, or empty (with the reason logged) when it cannot build static programs. */
  static Optional<CCompiler> detect(String executable) throws IOException {
    var command = new ArrayList<>(List.of(executable));
    command.addAll(FLAGS);
    return CCompiler.detect(
        "gcc",
        command,
        "#include <pthread.h>\n#include <stdio.h>\nint main(void) { return puts(\"\") < 0; }\n",
        "SKIPPING the container example: no gcc able to link static programs ({reason}). Install gcc"
            + " and libc6-dev (apt-get install gcc libc6-dev), or set -Dskiff.gcc.");
  }
}
