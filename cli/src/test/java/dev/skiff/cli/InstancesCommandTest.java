package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.manifest.Json;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code skiff instances} against the control plane with the stand-in for {@code GET /v1/instances}
 * ({@link StandInInstancesEndpoint}) mounted where skiffd mounts the real one.
 */
class InstancesCommandTest extends CliTestCase {
  private static final Instant NOW = Instant.parse("2026-12-05T02:00:00Z");

  private CliRunner.Result at(String... args) {
    CliRunner.Result r = cli.at(Clock.fixed(NOW, ZoneOffset.UTC)).run(args);
    assertEquals(0, r.code(), r::toString);
    return r;
  }

  private void twoServices() {
    var e = controlPlane.instancesEndpoint;
    e.add("default", "hello-00002", 1, "Ready", "2026-12-05T01:58:00Z", 0, "127.0.0.1:41234");
    e.add("default", "hello-00001", 3, "Draining", "2026-12-05T00:00:00Z", 2, "127.0.0.1:40001");
    e.add("default", "hello-00002", 2, "Starting", null, 0, null);
    e.add("default", "echo-00001", 1, "Ready", "2026-12-04T01:00:00Z", 11, "127.0.0.1:40500");
    e.add("team-a", "hello-00001", 1, "Ready", "2026-12-05T01:59:30Z", 0, "127.0.0.1:40600");
  }

  @Test
  void listsTheNamespacesInstancesLikeKubectlGetPodsWide() {
    twoServices();
    assertEquals(
        """
        NAME                    REVISION      NODE    STATE      AGE   RESTARTS   ADDRESS
        default.echo-00001.1    echo-00001    local   Ready      1d    11         127.0.0.1:40500
        default.hello-00001.3   hello-00001   local   Draining   2h    2          127.0.0.1:40001
        default.hello-00002.1   hello-00002   local   Ready      2m    0          127.0.0.1:41234
        default.hello-00002.2   hello-00002   local   Starting   -     0          -
        """,
        at("instances").out());
    assertEquals(List.of("namespace=default"), controlPlane.instancesEndpoint.queries);
  }

  @Test
  void namedServiceAndNamespaceGoIntoTheQuery() {
    twoServices();
    ok("deploy", "hello", "--wasm", wasm, "-n", "team-a");
    String out = at("instances", "hello", "-n", "team-a").out();
    assertTrue(out.contains("team-a.hello-00001.1   hello-00001   local   Ready   30s"), out);
    assertEquals(List.of("namespace=team-a&service=hello"), controlPlane.instancesEndpoint.queries);
  }

  @Test
  void jsonAndYamlPrintTheControlPlanesAnswerWithAddressAndIdentity() {
    twoServices();
    JsonNode json = ok("instances", "hello", "-o", "json").json();
    JsonNode first = json.at("/items/0");
    assertEquals("default.hello-00001.3", first.path("name").asText());
    assertEquals("127.0.0.1:40001", first.path("address").asText());
    assertEquals("spiffe://skiff.local/ns/default/svc/hello", first.path("identity").asText());
    assertEquals(3, json.path("items").size());
    String yaml = ok("instances", "-o", "yaml").out();
    assertTrue(yaml.contains("address: 127.0.0.1:41234"), yaml);
  }

  @Test
  void escapesControlCharactersTheServerSends() {
    ObjectNode evil = Json.mapper().createObjectNode();
    evil.put("name", "default.x-00001.1\u001b]0;pwned\u0007");
    evil.put("namespace", "default");
    evil.put("service", "x");
    evil.put("revision", "x-00001\r\u001b[2K");
    evil.put("kind", "wasm");
    evil.put("node", "n\u202eode");
    evil.put("state", "Ready\n\u001b[31mFAKE");
    evil.put("startedAt", "2026-12-05T01:00:00Z");
    evil.put("restarts", 0);
    evil.put("address", "\u009b2J127.0.0.1:1");
    evil.putNull("identity");
    controlPlane.instancesEndpoint.addRaw(evil);
    String out = at("instances").out();
    assertFalse(
        out.chars().anyMatch(c -> c == 0x1b || c == 0x07 || c == '\r' || c == 0x9b || c == 0x202e),
        out);
    assertEquals(2, out.lines().count(), out);
    assertTrue(out.contains("default.x-00001.1\\x1b]0;pwned\\x07"), out);
    assertTrue(out.contains("Ready\\n\\x1b[31mFAKE"), out);
    assertTrue(out.contains("n\\u202eode"), out);
  }

  @Test
  void emptyAndUnknownAreToldApart() {
    assertEquals("No instances in namespace default.\n", ok("instances").out());
    ok("deploy", "hello", "--wasm", wasm);
    assertEquals("No instances of hello (it is at zero).\n", ok("instances", "hello").out());
    CliRunner.Result r = cli.run("instances", "nope");
    assertEquals(1, r.code(), r::toString);
    assertTrue(r.err().contains("no service nope in namespace default"), r.err());
    CliRunner.Result bad = cli.run("instances", "Bad_Name");
    assertEquals(2, bad.code(), bad::toString);
  }
}
