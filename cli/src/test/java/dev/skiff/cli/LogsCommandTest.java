package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.node.LogLine;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code skiff logs} against the real control plane in process and node-runtime's logs endpoint.
 */
class LogsCommandTest {
  private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  private LocalControlPlane controlPlane;
  private CliRunner cli;
  private final LogLine old =
      ServiceLogs.line(NOW.minus(Duration.ofHours(2)), "hello-00001", "stdout", "booted");
  private final LogLine first =
      ServiceLogs.line(NOW.minusSeconds(20), "hello-00001", "stderr", "GET / 200");
  private final LogLine second =
      ServiceLogs.line(NOW.minusSeconds(10), "hello-00002", "stdout", "GET /x 404");

  @BeforeEach
  void start() throws IOException {
    controlPlane = LocalControlPlane.start();
    cli = CliRunner.against(controlPlane);
    ok("deploy", "hello", "--image", "registry.local/hello:1");
    controlPlane.logs.write("hello", old);
    controlPlane.logs.write("hello", first);
    controlPlane.logs.write("hello", second);
  }

  @AfterEach
  void stop() {
    controlPlane.close();
  }

  private CliRunner.Result ok(String... args) {
    CliRunner.Result r = cli.run(args);
    assertEquals(0, r.code(), () -> String.join(" ", args) + " -> " + r);
    return r;
  }

  private static String table(LogLine l) {
    return l.time() + " " + l.revision() + " " + l.stream() + ": " + l.line() + "\n";
  }

  private static String ndjson(LogLine l) {
    return Json.write(l) + "\n";
  }

  @Test
  void printsEachLineAsTimeRevisionStream() {
    assertEquals(table(old) + table(first) + table(second), ok("logs", "hello").out());
    assertEquals(List.of("follow=false"), controlPlane.logs.queries);
  }

  @Test
  void jsonPassesTheLinesThroughUnchanged() {
    assertEquals(
        ndjson(old) + ndjson(first) + ndjson(second), ok("logs", "hello", "-o", "json").out());
  }

  @Test
  void yamlPrintsOneDocumentPerLine() throws IOException {
    String out = ok("logs", "hello", "-o", "yaml").out();
    assertTrue(out.startsWith("---\n"), out);
    List<JsonNode> docs =
        Json.yaml().readValues(Json.yaml().createParser(out), JsonNode.class).readAll();
    assertEquals(3, docs.size(), out);
    assertEquals("GET / 200", docs.get(1).get("line").asText());
  }

  @Test
  void sendsRevisionTailAndSince() {
    String out =
        ok("logs", "hello", "--revision", "hello-00001", "--tail", "1", "--since", "1h").out();
    assertEquals(table(first), out);
    assertEquals(
        List.of("follow=false&revision=hello-00001&tail=1&since=1h"), controlPlane.logs.queries);
  }

  @Test
  void sinceTakesAnRfc3339TimeWithAnOffset() {
    String since = NOW.minusSeconds(15).atOffset(ZoneOffset.ofHours(2)).toString();
    assertEquals(table(second), ok("logs", "hello", "--since", since).out());
    assertEquals(
        List.of("follow=false&since=" + since), controlPlane.logs.queries); // '+' arrived intact
  }

  @Test
  void followPrintsLinesAsTheyArriveUntilTheStreamEnds() {
    CliRunner.Running logs = cli.start("logs", "hello", "-f", "--tail", "1");
    logs.awaitOut(table(second));

    LogLine live1 = ServiceLogs.line(Instant.now(), "hello-00002", "stdout", "one");
    controlPlane.logs.write("hello", live1);
    logs.awaitOut(table(live1));
    assertFalse(logs.done().isDone(), "the stream is still open");

    LogLine live2 = ServiceLogs.line(Instant.now(), "hello-00002", "stderr", "two");
    controlPlane.logs.write("hello", live2);
    logs.awaitOut(table(live2));
    assertFalse(logs.done().isDone(), "the stream is still open");

    controlPlane.logs.endFollows();
    CliRunner.Result r = logs.await();
    assertEquals(0, r.code(), r::toString);
    assertEquals(table(second) + table(live1) + table(live2), r.out());
    assertEquals(List.of("follow=true&tail=1"), controlPlane.logs.queries);
  }

  @Test
  void followJsonIsAStreamOfOneDocumentPerLine() {
    CliRunner.Running logs = cli.start("logs", "hello", "--follow", "-o", "json", "--tail", "0");
    controlPlane.logs.awaitFollow();
    LogLine live = ServiceLogs.line(Instant.now(), "hello-00002", "stdout", "{\"a\":1}");
    controlPlane.logs.write("hello", live);
    logs.awaitOut("\n");
    controlPlane.logs.endFollows();
    CliRunner.Result r = logs.await();
    assertEquals(0, r.code(), r::toString);
    assertEquals(ndjson(live), r.out());
  }

  @Test
  void followOfOneRevisionSkipsTheOthers() {
    CliRunner.Running logs =
        cli.start("logs", "hello", "-f", "--tail", "0", "--revision", "hello-00001");
    controlPlane.logs.awaitFollow();
    LogLine other = ServiceLogs.line(Instant.now(), "hello-00002", "stdout", "no");
    LogLine mine = ServiceLogs.line(Instant.now(), "hello-00001", "stdout", "yes");
    controlPlane.logs.write("hello", other);
    controlPlane.logs.write("hello", mine);
    controlPlane.logs.endFollows();
    assertEquals(table(mine), logs.await().out());
  }

  @Test
  void missingServiceExitsWithOneBeforeAskingForLogs() {
    CliRunner.Result r = cli.run("logs", "nope", "-f");
    assertEquals(1, r.code(), r::toString);
    assertTrue(r.err().startsWith("Error: no service nope in namespace default\n"), r.err());
    assertEquals("", r.out());
    assertEquals(List.of(), controlPlane.logs.queries);
  }

  @Test
  void refusalOfTheLogsEndpointExitsWithOne() throws IOException {
    controlPlane.close();
    controlPlane = LocalControlPlane.start(false); // no node beside it, so no logs route
    cli = CliRunner.against(controlPlane);
    ok("deploy", "hello", "--image", "registry.local/hello:1", "--no-wait");
    CliRunner.Result r = cli.run("logs", "hello", "-f");
    assertEquals(1, r.code(), r::toString);
    assertTrue(
        r.err().startsWith("Error: no route GET /v1/namespaces/default/services/hello/logs\n"),
        r.err());
    assertEquals("", r.out());
  }
}
