package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.manifest.Json;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code skiff logs} against the fake control plane's logs endpoint. */
class LogsCommandTest {
  private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  private FakeControlPlane fake;
  private CliRunner cli;
  private final ObjectNode old =
      FakeControlPlane.logLine(NOW.minus(Duration.ofHours(2)), "hello-00001", "stdout", "booted");
  private final ObjectNode first =
      FakeControlPlane.logLine(NOW.minusSeconds(20), "hello-00001", "stderr", "GET / 200");
  private final ObjectNode second =
      FakeControlPlane.logLine(NOW.minusSeconds(10), "hello-00002", "stdout", "GET /x 404");

  @BeforeEach
  void start() throws IOException {
    fake = FakeControlPlane.start();
    cli = CliRunner.against(fake.url());
    assertEquals(0, cli.run("deploy", "hello", "--image", "registry.local/hello:1").code());
    fake.log("hello", old);
    fake.log("hello", first);
    fake.log("hello", second);
  }

  @AfterEach
  void stop() {
    fake.close();
  }

  private CliRunner.Result ok(String... args) {
    CliRunner.Result r = cli.run(args);
    assertEquals(0, r.code(), () -> String.join(" ", args) + " -> " + r);
    return r;
  }

  private static String table(ObjectNode l) {
    return l.get("time").asText()
        + " "
        + l.get("revision").asText()
        + " "
        + l.get("stream").asText()
        + ": "
        + l.get("line").asText()
        + "\n";
  }

  private static String ndjson(ObjectNode l) {
    return Json.write(l) + "\n";
  }

  @Test
  void printsEachLineAsTimeRevisionStream() {
    assertEquals(table(old) + table(first) + table(second), ok("logs", "hello").out());
    assertEquals(List.of("follow=false"), fake.logQueries);
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
    assertEquals(List.of("follow=false&revision=hello-00001&tail=1&since=1h"), fake.logQueries);
  }

  @Test
  void sinceTakesAnRfc3339TimeWithAnOffset() {
    String since = NOW.minusSeconds(15).atOffset(ZoneOffset.ofHours(2)).toString();
    assertEquals(table(second), ok("logs", "hello", "--since", since).out());
    assertEquals(List.of("follow=false&since=" + since), fake.logQueries); // '+' arrived intact
  }

  @Test
  void followPrintsLinesAsTheyArriveUntilTheStreamEnds() {
    CliRunner.Running logs = cli.start("logs", "hello", "-f", "--tail", "1");
    logs.awaitOut(table(second));

    ObjectNode live1 = FakeControlPlane.logLine(Instant.now(), "hello-00002", "stdout", "one");
    fake.emit(live1);
    logs.awaitOut(table(live1));
    assertFalse(logs.done().isDone(), "the stream is still open");

    ObjectNode live2 = FakeControlPlane.logLine(Instant.now(), "hello-00002", "stderr", "two");
    fake.emit(live2);
    logs.awaitOut(table(live2));
    assertFalse(logs.done().isDone(), "the stream is still open");

    fake.endFollow();
    CliRunner.Result r = logs.await();
    assertEquals(0, r.code(), r::toString);
    assertEquals(table(second) + table(live1) + table(live2), r.out());
    assertEquals(List.of("follow=true&tail=1"), fake.logQueries);
  }

  @Test
  void followJsonIsAStreamOfOneDocumentPerLine() {
    CliRunner.Running logs = cli.start("logs", "hello", "--follow", "-o", "json", "--tail", "0");
    ObjectNode live = FakeControlPlane.logLine(Instant.now(), "hello-00002", "stdout", "{\"a\":1}");
    fake.emit(live);
    logs.awaitOut("\n");
    fake.endFollow();
    CliRunner.Result r = logs.await();
    assertEquals(0, r.code(), r::toString);
    assertEquals(ndjson(live), r.out());
  }

  @Test
  void followOfOneRevisionSkipsTheOthers() {
    CliRunner.Running logs =
        cli.start("logs", "hello", "-f", "--tail", "0", "--revision", "hello-00001");
    ObjectNode other = FakeControlPlane.logLine(Instant.now(), "hello-00002", "stdout", "no");
    ObjectNode mine = FakeControlPlane.logLine(Instant.now(), "hello-00001", "stdout", "yes");
    fake.emit(other);
    fake.emit(mine);
    fake.endFollow();
    assertEquals(table(mine), logs.await().out());
  }

  @Test
  void missingServiceExitsWithOneBeforeAskingForLogs() {
    CliRunner.Result r = cli.run("logs", "nope", "-f");
    assertEquals(1, r.code(), r::toString);
    assertTrue(r.err().startsWith("Error: no service nope in namespace default\n"), r.err());
    assertEquals("", r.out());
    assertEquals(List.of(), fake.logQueries);
  }

  @Test
  void refusalOfTheLogsEndpointExitsWithOne() {
    fake.logsStatus = 503;
    CliRunner.Result r = cli.run("logs", "hello", "-f");
    assertEquals(1, r.code(), r::toString);
    assertTrue(r.err().startsWith("Error: logs are not available\n"), r.err());
    assertEquals("", r.out());
  }
}
