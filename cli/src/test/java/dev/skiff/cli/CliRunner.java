package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;

/**
 * Runs the CLI in process, as the lead's round-trip test will, capturing stdout, stderr and the
 * code.
 */
final class CliRunner {
  private final Map<String, String> env;

  CliRunner(Map<String, String> env) {
    this.env = env;
  }

  static CliRunner against(String server) {
    return new CliRunner(Map.of("SKIFF_SERVER", server));
  }

  record Result(int code, String out, String err) {
    /** Stdout as exactly one JSON document (the shared mapper fails on trailing tokens). */
    JsonNode json() {
      try {
        return Json.mapper().readTree(out);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "stdout is not one JSON document:\n" + out + "\nstderr:\n" + err, e);
      }
    }

    <T> T json(Class<T> type) {
      try {
        return Json.mapper().treeToValue(json(), type);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  Result run(String... args) {
    return runWithStdin("", args);
  }

  Result runWithStdin(String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Skiff.run(
            args,
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            env,
            Clock.systemUTC());
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
