package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real control plane in process per test ({@link LocalControlPlane}), the CLI aimed at it, and a
 * minimal Wasm module on disk to deploy.
 */
abstract class CliTestCase {
  static final byte[] WASM = {0, 'a', 's', 'm', 1, 0, 0, 0};

  @TempDir Path dir;
  LocalControlPlane controlPlane;
  CliRunner cli;
  String wasm;

  @BeforeEach
  void startControlPlane() throws IOException {
    controlPlane = LocalControlPlane.start();
    cli = CliRunner.against(controlPlane);
    Path module = dir.resolve("hello.wasm");
    Files.write(module, WASM);
    wasm = module.toString();
  }

  @AfterEach
  void stopControlPlane() {
    controlPlane.close();
  }

  /** Runs and insists on exit code 0. */
  CliRunner.Result ok(String... args) {
    CliRunner.Result r = cli.run(args);
    assertEquals(0, r.code(), () -> String.join(" ", args) + " -> " + r);
    return r;
  }
}
