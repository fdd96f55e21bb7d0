package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code --wait}'s progress line: on a terminal only, gone before the final message. */
class WaitProgressTest extends CliTestCase {

  @Test
  void aTerminalSeesTheUploadAndTheRevisionsStepsOnOneRewrittenLine() {
    CliRunner.Result r =
        cli.withEnv("SKIFF_PROGRESS", "always").run("deploy", "hello", "--wasm", wasm);

    assertEquals(0, r.code(), r.toString());
    assertTrue(r.err().contains("\ruploading and compiling " + wasm + " (8 bytes)"), r.err());
    assertTrue(r.err().contains("\rhello-00001: "), r.err());
    assertTrue(r.err().endsWith("\r\u001b[K"), "the line is erased at the end: " + r.err());
    assertTrue(r.out().contains("revision hello-00001 ready at "), r.out());
  }

  private static final String PULLING =
      "pulling ghcr.io/x/y:1: 12.3 MiB of 45.6 MiB (3 of 5 layers)";

  @Test
  void aTerminalSeesTheImagePullsBytesWhileItIsTheNewestEvent() {
    CliRunner.Result r =
        cli.withEnv("SKIFF_PROGRESS", "always")
            .run(
                "deploy",
                "hello",
                "--wasm",
                wasm,
                "--env",
                "PULLING=" + PULLING,
                "--wait-timeout",
                "3");

    assertEquals(1, r.code(), "the revision never turns ready: " + r);
    assertTrue(r.err().contains("\rhello-00001: " + PULLING + " ["), r.err());
  }

  @Test
  void aPipeSeesNoPullProgress() {
    CliRunner.Result r =
        cli.run(
            "deploy",
            "hello",
            "--wasm",
            wasm,
            "--env",
            "PULLING=" + PULLING,
            "--wait-timeout",
            "3");

    assertEquals(1, r.code(), r.toString());
    assertFalse(r.err().contains("\r"), r.err());
    assertFalse(r.err().contains("12.3 MiB"), r.err());
  }

  @Test
  void aPipeSeesNoProgress() {
    CliRunner.Result r = cli.run("deploy", "hello", "--wasm", wasm);

    assertEquals(0, r.code(), r.toString());
    assertFalse(r.err().contains("\r"), r.err());
    assertEquals("", r.err());
  }

  @Test
  void neverTurnsItOffEvenOnATerminal() {
    CliRunner.Result r =
        cli.withEnv("SKIFF_PROGRESS", "never").run("deploy", "hello", "--wasm", wasm);
    assertEquals("", r.err());
  }
}
