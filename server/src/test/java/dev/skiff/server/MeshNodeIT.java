package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.examples.Examples;
import dev.skiff.testing.Prerequisites;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * skiffd with the mesh switch on: every instance behind its own sidecar. A Wasm service is found
 * through {@code GET /v1/instances} and called directly at its sidecar's address by curl and
 * openssl, with the files {@code skiff mesh issue} writes.
 */
class MeshNodeIT {
  @TempDir static Path dir;
  static RunningSkiffd skiffd;
  static Http http;
  static MeshProbe probe;
  static Path sameNamespace;
  static Path otherNamespace;

  @BeforeAll
  static void start() throws Exception {
    Prerequisites.require(
        Files.isExecutable(Path.of("/usr/bin/curl")), "curl", "apt-get install curl");
    Prerequisites.require(
        Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl", "apt-get install openssl");
    skiffd = RunningSkiffd.start(dir.resolve("data"), 30, o -> o.meshSwitch = "on");
    http = new Http(HttpVersion.HTTP_1_1);
    probe = new MeshProbe(skiffd, http, dir);
    deploy("hello");
    sameNamespace = probe.issue("default", "caller");
    otherNamespace = probe.issue("other", "caller");
  }

  @AfterAll
  static void stop() {
    if (http != null) {
      http.close();
    }
    if (skiffd != null) {
      skiffd.close();
    }
  }

  @Test
  void listsTheInstanceWithItsSidecarsAddressAndIdentity() throws Exception {
    JsonNode i = probe.readyInstance("hello");

    assertEquals("default", i.get("namespace").asText());
    assertEquals("hello-00001", i.get("revision").asText());
    assertEquals("wasm", i.get("kind").asText());
    assertEquals("local", i.get("node").asText());
    assertEquals(0, i.get("restarts").asInt());
    assertFalse(i.get("startedAt").isNull());
    assertTrue(i.get("address").asText().matches("127\\.0\\.0\\.1:\\d+"), i.toString());
    assertEquals("spiffe://skiff.local/ns/default/svc/hello", i.get("identity").asText());
    JsonNode none = probe.instances("nowhere", null);
    assertEquals(0, none.get("items").size(), "an unknown namespace is an empty list");
  }

  @Test
  void theCliListsTheSameInstanceAndAddress() throws Exception {
    JsonNode i = probe.readyInstance("hello");
    String json = probe.cli().ok("instances", "hello", "-o", "json").out();
    JsonNode listed = dev.skiff.api.manifest.Json.mapper().readTree(json);
    JsonNode first = listed.isArray() ? listed.get(0) : listed.get("items").get(0);
    assertEquals(i.get("name").asText(), first.get("name").asText(), json);
    assertEquals(i.get("address").asText(), first.get("address").asText(), json);
    String table = probe.cli().ok("instances", "hello").out();
    assertTrue(table.contains(i.get("address").asText()), table);
  }

  @Test
  void instancesNeedAReadTokenAndANamespace() throws Exception {
    String uri = "/v1/instances?namespace=default";
    Http.Response anonymous =
        http.send(HttpMethod.GET, skiffd.skiffd.apiPort(), "127.0.0.1", uri, Map.of(), null);
    Http.Response created =
        http.send(
            HttpMethod.POST,
            skiffd.skiffd.apiPort(),
            "127.0.0.1",
            "/v1/tokens",
            Map.of("Authorization", "Bearer " + skiffd.token(), "Content-Type", "application/json"),
            Buffer.buffer("{\"name\":\"team\",\"role\":\"namespace\",\"namespace\":\"default\"}"));
    String scoped = Json.mapper().readTree(created.text()).get("token").asText();
    Http.Response namespaced =
        http.send(
            HttpMethod.GET,
            skiffd.skiffd.apiPort(),
            "127.0.0.1",
            uri,
            Map.of("Authorization", "Bearer " + scoped),
            null);
    Http.Response noNamespace =
        http.send(
            HttpMethod.GET,
            skiffd.skiffd.apiPort(),
            "127.0.0.1",
            "/v1/instances",
            skiffd.auth(),
            null);

    assertEquals(401, anonymous.status(), anonymous.text());
    assertEquals(403, namespaced.status(), "the listing is cluster-wide: " + namespaced.text());
    assertEquals(400, noNamespace.status(), noNamespace.text());
    assertTrue(noNamespace.text().contains("namespace"), noNamespace.text());
  }

  @Test
  void theSameNamespaceGets200AndAnotherGets403WithTheJsonBody() throws Exception {
    String address = probe.readyInstance("hello").get("address").asText();

    String ok = MeshProbe.curl(address, sameNamespace);
    String denied = MeshProbe.curl(address, otherNamespace);

    MeshProbe.assertStatus(200, ok);
    assertTrue(ok.contains("Hello"), ok);
    MeshProbe.assertStatus(403, denied);
    assertTrue(
        denied.contains(
            "\"error\":\"caller spiffe://skiff.local/ns/other/svc/caller is not allowed by this"
                + " service's policy"),
        denied);
    assertTrue(denied.contains("\"hint\""), denied);
  }

  @Test
  void theSidecarProvesTheServicesIdentityUnderTheMeshCa() throws Exception {
    String address = probe.readyInstance("hello").get("address").asText();

    MeshProbe.Run r = MeshProbe.sClient(dir, address, sameNamespace);

    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().contains("Verify return code: 0 (ok)"), r.out());
  }

  @Test
  void aCallerWithoutAClientCertificateIsRefusedAtTheHandshake() throws Exception {
    String address = probe.readyInstance("hello").get("address").asText();

    MeshProbe.Run r =
        MeshProbe.run(
            "curl", "-sS", "-i", "--max-time", "10", "--insecure", "https://" + address + "/");

    assertNotEquals(0, r.exit(), r.out());
    assertFalse(r.out().contains("HTTP/"), r.out());
  }

  @Test
  void plaintextHttpToTheSidecarGetsNoHttpAnswer() throws Exception {
    String address = probe.readyInstance("hello").get("address").asText();
    int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));

    assertFalse(MeshProbe.answersPlaintextHttp(port), "the sidecar answered plaintext HTTP");
  }

  @Test
  void aPolicyChangeThroughTheApiAppliesToTheRunningSidecar() throws Exception {
    deploy("guarded");
    JsonNode before = probe.readyInstance("guarded");
    String address = before.get("address").asText();
    MeshProbe.assertStatus(403, MeshProbe.curl(address, otherNamespace));

    ObjectNode service = (ObjectNode) probe.api(HttpMethod.GET, "services/guarded", null);
    ((ObjectNode) service.get("spec"))
        .putObject("authorization")
        .putArray("allow")
        .add("spiffe://skiff.local/ns/other/svc/*");
    ((ObjectNode) service.get("metadata")).remove("resourceVersion");
    probe.api(HttpMethod.PUT, "services/guarded", service);

    MeshProbe.awaitTrue(
        "the running sidecar lets the other namespace in",
        () -> MeshProbe.curl(address, otherNamespace).matches("(?s)HTTP/[0-9.]+ 200.*"));
    MeshProbe.assertStatus(
        403, MeshProbe.curl(address, sameNamespace)); // allow replaces the namespace default
    JsonNode after = probe.readyInstance("guarded");
    assertEquals(before.get("name"), after.get("name"), "the same instance, not a new revision");
    assertEquals(address, after.get("address").asText());
  }

  /**
   * Every TCP port this JVM listens on gets a plaintext HTTP request: only the API and the gateway
   * may answer.
   */
  @Test
  void onlyTheApiAndTheGatewayAnswerPlaintextHttp() throws Exception {
    String sidecar = probe.readyInstance("hello").get("address").asText();
    Set<Integer> ports = MeshProbe.listeningPorts();
    assertTrue(ports.contains(skiffd.skiffd.apiPort()), "found the API's port: " + ports);
    assertTrue(
        ports.contains(Integer.parseInt(sidecar.substring(sidecar.lastIndexOf(':') + 1))),
        "found the sidecar's port: " + ports);
    assertTrue(
        ports.contains(skiffd.skiffd.activatorPort()), "found the activator's port: " + ports);

    Set<Integer> answering = new TreeSet<>();
    for (int port : ports) {
      if (MeshProbe.answersPlaintextHttp(port)) {
        answering.add(port);
      }
    }

    assertEquals(
        new TreeSet<>(Set.of(skiffd.skiffd.apiPort(), skiffd.gatewayPort())),
        answering,
        "ports answering plaintext HTTP among " + ports);
  }

  static void deploy(String name) throws Exception {
    Path file = Files.write(dir.resolve(name + ".wasm"), Examples.wasm(Examples.HELLO));
    probe.cli().ok("deploy", name, "--wasm", file.toString(), "--annotation", MeshProbe.MIN_SCALE);
  }
}
