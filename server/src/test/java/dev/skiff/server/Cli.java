package dev.skiff.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.cli.Skiff;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Runs the real {@code skiff} CLI in this JVM against a running skiffd. */
final class Cli {
  record Result(int exit, String out, String err) {
    JsonNode json() throws Exception {
      return Json.mapper().readTree(out);
    }
  }

  private final Map<String, String> env;

  /**
   * As the skiffd's user on its machine: no token given, the CLI finds it in the credentials file
   * skiffd wrote (in the test's own config directory, never the real home).
   */
  Cli(RunningSkiffd skiffd) {
    this.env =
        Map.of(
            "SKIFF_SERVER",
            skiffd.api(),
            "SKIFF_GATEWAY",
            "http://127.0.0.1:" + skiffd.gatewayPort(),
            "SKIFF_CONFIG_DIR",
            skiffd.configDir().toString(),
            "SKIFF_DATA_DIR",
            skiffd.dataDir.toString());
  }

  Cli(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      exit = Skiff.run(args, o, e, env);
    }
    return new Result(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** Runs and insists on exit code 0. */
  Result ok(String... args) {
    Result r = run(args);
    if (r.exit() != 0) {
      throw new AssertionError(
          "skiff "
              + String.join(" ", args)
              + " exited "
              + r.exit()
              + "\nstdout: "
              + r.out()
              + "\nstderr: "
              + r.err());
    }
    return r;
  }
}
