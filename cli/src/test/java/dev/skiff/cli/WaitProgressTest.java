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
