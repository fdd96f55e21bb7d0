package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Command lines that are wrong end with exit code 2, a message on stderr, and no request sent. */
class UsageErrorsTest {
  // One for the class: every test checks that nothing reached it, so none leaves state behind.
  private static LocalControlPlane controlPlane;
  private static CliRunner cli;

  @BeforeAll
  static void start() throws IOException {
    controlPlane = LocalControlPlane.start();
    cli = CliRunner.against(controlPlane);
  }

  @AfterEach
  void noRequestWasSent() {
    assertEquals(List.of(), controlPlane.requests);
  }

  @AfterAll
  static void stop() {
    controlPlane.close();
  }

  private String usageError(String... args) {
    CliRunner.Result r = cli.run(args);
    assertEquals(2, r.code(), r::toString);
    assertEquals("", r.out());
    assertTrue(r.err().startsWith("Error: "), r.err());
    assertTrue(r.err().contains("--help' for more information."), r.err());
    return r.err();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "frobnicate",
        "list --bogus",
        "list -o xml",
        "deploy",
        "deploy hello",
        "deploy hello --image a --wasm b.wasm",
        "deploy hello --image a --port eighty",
        "deploy hello --image a --env NOEQUALS",
        "deploy Hello_World --image a",
        "deploy hello --image a -n Bad_Namespace",
        "traffic hello",
        "traffic hello a=50 b=40",
        "traffic hello hello-00001",
        "traffic hello --tag x",
        "revisions --prune",
        "revisions delete",
        "rollback",
        "delete",
        "apply",
        "describe a b",
        "invoke",
        "invoke Hello_World",
        "invoke hello --method PATCH",
        "invoke hello --method GET --data x",
        "invoke hello --method HEAD --data x",
        "invoke hello -H novalue",
        "invoke hello -H :empty-name",
        "invoke hello -H Content-Length:3",
        "invoke hello --data @/nonexistent/body.bin",
        "invoke hello --tag Bad_Tag",
        "invoke hello --gateway ftp://gateway",
        "invoke hello --gateway not-a-url",
        "invoke hello --path /a|b",
        "logs",
        "logs hello --since yesterday",
        "logs hello --since -5m",
        "logs hello --since 2026-13-01T00:00:00Z",
        "logs hello --tail -1",
        "logs hello --tail many",
        "logs hello --revision Bad_Rev",
        "scale",
        "scale hello",
        "scale Hello_World --min 1",
        "scale hello --min one",
        "scale hello --min -1",
        "scale hello --min 3 --max 2",
        "scale hello --initial -1",
        "scale hello --target 0",
        "scale hello --target lots",
        "scale hello --window 30",
        "scale hello --window 2s",
        "scale hello --retention forever",
        "scale hello --retention 2d",
        "scale hello --min 1 --wait-timeout -1"
      })
  void exitsWithTwo(String line) {
    usageError(line.isEmpty() ? new String[0] : line.split(" "));
  }

  @Test
  void percentsNotSummingTo100AreExplained() {
    assertTrue(
        usageError("traffic", "hello", "a=50", "b=40")
            .startsWith("Error: percents must sum to 100, got 90 (a=50 b=40)\n"));
  }

  @Test
  void missingWorkloadNamesBothFlags() {
    assertTrue(usageError("deploy", "hello").contains("(--image=REF | --wasm=FILE)"));
  }

  @Test
  void templateMistakesAreReportedByFlag() {
    String err =
        usageError(
            "deploy",
            "hello",
            "--image",
            "reg/hello:1",
            "--port",
            "70000",
            "--memory",
            "lots",
            "--min-scale",
            "-1",
            "--env",
            "PORT=1");
    assertTrue(err.contains("--port: must be <= 65535, got 70000"), err);
    assertTrue(err.contains("--memory: 'lots' is not a quantity"), err);
    assertTrue(err.contains("--min-scale: must be >= 0, got -1"), err);
    assertTrue(err.contains("--env PORT: is set by the platform"), err);
  }

  @Test
  void scaleMistakesAreReportedByFlag() {
    String err =
        usageError(
            "scale", "hello", "--min", "3", "--max", "2", "--window", "30", "--initial", "-1");
    assertTrue(err.contains("--min: min-scale 3 is greater than max-scale 2"), err);
    assertTrue(err.contains("--initial: must be >= 0, got -1"), err);
    assertTrue(err.contains("--window: '30' is not a duration like 60s, 1m30s or 500ms"), err);
  }

  @Test
  void scaleWithoutSettingsNamesThem() {
    assertTrue(
        usageError("scale", "hello")
            .startsWith(
                "Error: nothing to change: give --min, --max, --initial, --target, --window or"
                    + " --retention\n"));
  }

  @Test
  void missingWasmFileIsAUsageError() {
    assertTrue(
        usageError("deploy", "hello", "--wasm", "/nonexistent/hello.wasm")
            .contains("no such file"));
  }

  @Test
  void badSinceSaysWhatItTakes() {
    assertTrue(
        usageError("logs", "hello", "--since", "yesterday")
            .startsWith(
                "Error: --since: 'yesterday' is neither a duration like 30s, 5m or 1h nor an RFC"
                    + " 3339 time"));
  }

  @Test
  void unsupportedMethodNamesTheOnesThatWork() {
    assertTrue(
        usageError("invoke", "hello", "-X", "PATCH")
            .contains("skiff invoke sends GET, POST, PUT, DELETE, HEAD, OPTIONS or TRACE"));
  }

  @Test
  void unknownCommandsGetSuggestions() {
    // picocli's suggestions also offer "instances" for "lst" (its letters, in order)
    assertTrue(usageError("lst").contains("Did you mean: skiff ls or skiff list"));
  }

  @Test
  void helpAndVersionExitWithZero() {
    CliRunner.Result help = cli.run("--help");
    assertEquals(0, help.code());
    for (String cmd :
        List.of(
            "deploy",
            "apply",
            "list",
            "describe",
            "revisions",
            "instances",
            "traffic",
            "scale",
            "rollback",
            "delete",
            "invoke",
            "logs",
            "completion")) {
      assertTrue(help.out().contains("  " + cmd), cmd);
      CliRunner.Result sub = cli.run(cmd, "--help");
      assertEquals(0, sub.code(), sub::toString);
      assertTrue(sub.out().startsWith("Usage: skiff " + cmd), sub.out());
      assertTrue(sub.out().contains("--output=FORMAT"), sub.out());
      assertTrue(sub.err().isEmpty(), sub.err());
    }
    CliRunner.Result version = cli.run("--version");
    assertEquals(0, version.code());
    assertTrue(version.out().startsWith("skiff 0."), version.out());
  }

  @Test
  void completionPrintsABashScript() {
    CliRunner.Result r = cli.run("completion");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("complete -F _complete_skiff"), r.out().substring(0, 200));
    assertTrue(r.out().contains("deploy"));
  }

  @Test
  void publicEntryPointReturnsTheCodeWithoutExiting() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Skiff.run(
            new String[] {"traffic", "hello"},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of(
                "SKIFF_SERVER", controlPlane.url(), "SKIFF_TOKEN", LocalControlPlane.ADMIN_TOKEN));
    assertEquals(2, code);
    assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("Error: nothing to change"));
  }
}
