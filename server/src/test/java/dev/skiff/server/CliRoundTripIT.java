package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.examples.Examples;
import dev.skiff.wasm.Wat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI against a real skiffd: deploy, a second deploy makes revision 2, traffic 50/50, rollback,
 * delete — every command in table form and in {@code -o json}, parsed.
 */
class CliRoundTripIT {
  @TempDir static Path dir;
  static RunningSkiffd skiffd;
  static Cli cli;
  static Http http;

  @BeforeAll
  static void start() throws Exception {
    skiffd = RunningSkiffd.start(dir.resolve("data"));
    cli = new Cli(skiffd);
    http = new Http(io.vertx.core.http.HttpVersion.HTTP_1_1);
  }

  @AfterAll
  static void stop() throws Exception {
    http.close();
    skiffd.close();
  }

  @Test
  void deployRedeploySplitRollbackDelete() throws Exception {
    Path wasm = Files.write(dir.resolve("greet.wasm"), Examples.wasm(Examples.GREET));

    JsonNode first = cli.ok("deploy", "greet", "--wasm", wasm.toString(), "-o", "json").json();
    assertEquals("greet-00001", first.at("/status/latestCreatedRevisionName").asText());
    assertEquals("greet-00001", first.at("/status/latestReadyRevisionName").asText());
    assertEquals(200, http.get(skiffd.gatewayPort(), "greet.default.localhost", "/").status());

    JsonNode second =
        cli.ok("deploy", "greet", "--wasm", wasm.toString(), "--env", "MODE=two", "-o", "json")
            .json();
    assertEquals("greet-00002", second.at("/status/latestCreatedRevisionName").asText());
    assertEquals("two", second.at("/spec/template/env/MODE").asText());

    JsonNode split =
        cli.ok("traffic", "greet", "greet-00001=50", "greet-00002=50", "-o", "json").json();
    assertEquals(Map.of("greet-00001", 50, "greet-00002", 50), percents(split));
    Map<String, Integer> served = new HashMap<>();
    for (int i = 0; i < 200; i++) {
      var r = http.get(skiffd.gatewayPort(), "greet.default.localhost", "/");
      assertEquals(200, r.status());
      served.merge(r.headers().get("X-Skiff-Revision"), 1, Integer::sum);
    }
    assertTrue(
        served.getOrDefault("greet-00001", 0) > 50 && served.getOrDefault("greet-00002", 0) > 50,
        "both revisions serve: " + served);

    JsonNode back = cli.ok("rollback", "greet", "-o", "json").json();
    assertEquals(Map.of("greet-00001", 100), percents(back));

    JsonNode list = cli.ok("list", "-o", "json").json();
    assertEquals(1, list.at("/items").size());
    assertEquals("greet", list.at("/items/0/metadata/name").asText());
    JsonNode revisions = cli.ok("revisions", "greet", "-o", "json").json();
    assertEquals(2, revisions.at("/items").size());
    JsonNode described = cli.ok("describe", "greet", "-o", "json").json();
    assertEquals("greet", described.at("/metadata/name").asText());

    // The same commands in table form.
    assertTrue(cli.ok("list").out().contains("greet-00002"));
    assertTrue(cli.ok("revisions", "greet").out().contains("greet-00001"));
    assertTrue(cli.ok("describe", "greet").out().contains("http://greet.default.localhost"));
    assertTrue(cli.ok("list", "-o", "yaml").out().contains("name: greet"));

    JsonNode deleted = cli.ok("delete", "greet", "-o", "json").json();
    assertEquals("greet", deleted.at("/deleted").asText());
    assertEquals(0, cli.ok("list", "-o", "json").json().at("/items").size());
    assertEquals(404, http.get(skiffd.gatewayPort(), "greet.default.localhost", "/").status());
  }

  @Test
  void controlCharactersFromAFunctionOrTheApiPrintEscapedInTablesAndFaithfullyInJson()
      throws Exception {
    // Clears the screen, retitles the window, rings the bell, reverses text with a bidi override.
    String hostile = "\u001b[2J\u001b]0;owned\u0007 \u202egnp.exe \u009b31m";
    String escaped = "\\x1b[2J\\x1b]0;owned\\x07 \\u202egnp.exe \\x9b31m";
    Path wasm = Files.write(dir.resolve("shout.wasm"), Wat.printingTo(2, hostile + "\n"));
    cli.ok("deploy", "shout", "--wasm", wasm.toString(), "--env", "COLOR=" + hostile);
    http.get(skiffd.gatewayPort(), "shout.default.localhost", "/"); // its stderr is a log line

    String logs = "";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!logs.contains("owned") && System.nanoTime() < deadline) {
      Thread.sleep(50);
      logs = cli.ok("logs", "shout").out();
    }
    assertTrue(logs.contains(" stderr: " + escaped + "\n"), logs);
    assertFalse(logs.contains("\u001b"), "no raw ESC in: " + logs);

    String described = cli.ok("describe", "shout").out();
    assertTrue(described.contains("COLOR=" + escaped + "\n"), described);
    assertFalse(described.contains("\u001b"), "no raw ESC in: " + described);

    // JSON stays faithful: the same text, in JSON's own escapes.
    JsonNode asJson = cli.ok("describe", "shout", "-o", "json").json();
    assertEquals(hostile, asJson.at("/spec/template/env/COLOR").asText());
    String line = cli.ok("logs", "shout", "-o", "json").out().lines().findFirst().orElseThrow();
    assertEquals(hostile, Json.mapper().readTree(line).path("line").asText());
    cli.ok("delete", "shout");
  }

  @Test
  void serverRejectionExitsOneWithTheFieldNamed() {
    var r = cli.run("traffic", "nosuch", "nosuch-00001=100");
    assertEquals(1, r.exit(), r.err());
    assertTrue(r.err().contains("nosuch"), r.err());
  }

  @Test
  void usageErrorExitsTwo() {
    assertEquals(2, cli.run("deploy").exit());
    assertEquals(2, cli.run("traffic", "x", "r=abc").exit());
  }

  private static Map<String, Integer> percents(JsonNode service) {
    Map<String, Integer> out = new HashMap<>();
    for (JsonNode t : service.at("/status/traffic")) {
      if (t.path("percent").asInt() > 0) {
        out.put(t.path("revisionName").asText(), t.path("percent").asInt());
      }
    }
    return out;
  }
}
