package dev.skiff.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Secrets and config maps through the real API and embedded store: values go in, only keys and
 * sizes come out, and no file under the data directory holds a value in plaintext.
 */
class SecretApiTest extends ApiTestCase {
  static final String SECRETS = "/v1/namespaces/default/secrets";
  static final String PASSWORD = "hunter2-Zq8vX1pL";
  static final String TOKEN = "tok-9f8e7d6c5b4a";

  private ApiFixture.Response putYaml(String path, String yaml) throws Exception {
    return api.call("PUT", path, yaml.getBytes(StandardCharsets.UTF_8), "application/yaml");
  }

  private ApiFixture.Response createDb() throws Exception {
    return putYaml(
        SECRETS + "/db",
        """
        apiVersion: v1
        kind: Secret
        metadata:
          name: db
        type: Opaque
        data:
          token: %s
        stringData:
          password: %s
        """
            .formatted(Base64.getEncoder().encodeToString(TOKEN.getBytes()), PASSWORD));
  }

  @Test
  void kubernetesSecretIsAnsweredWithKeysAndSizesOnly() throws Exception {
    var created = createDb();
    assertEquals(201, created.status(), created.body());
    assertFalse(created.body().contains(PASSWORD), created.body());
    assertEquals(PASSWORD.length(), created.json().at("/sizes/password").asInt());
    assertEquals(TOKEN.length(), created.json().at("/sizes/token").asInt());
    assertFalse(created.json().has("data"));

    var got = api.call("GET", SECRETS + "/db");
    assertEquals(200, got.status());
    assertFalse(got.body().contains(PASSWORD) || got.body().contains(TOKEN), got.body());
    assertEquals("Opaque", got.json().path("type").asText());
    var list = api.call("GET", SECRETS);
    assertEquals("db", list.json().at("/items/0/metadata/name").asText());
    assertFalse(list.body().contains(PASSWORD), list.body());
  }

  @Test
  void valuesOpenOnlyThroughTheControlPlaneAndNeverLieInTheDataDirInPlaintext() throws Exception {
    createDb();
    Optional<Map<String, String>> values = ApiFixture.await(api.cp.secretValues("default", "db"));
    assertEquals(Map.of("password", PASSWORD, "token", TOKEN), values.orElseThrow());
    assertEquals(Optional.empty(), ApiFixture.await(api.cp.secretValues("default", "missing")));
    Path key = dir.resolve(ControlPlane.SECRETS_KEY_FILE);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    assertEquals(List.of(), filesContaining(dir, PASSWORD));
    assertEquals(List.of(), filesContaining(dir, TOKEN));
    // The base64 of a value is no plaintext either.
    assertEquals(
        List.of(), filesContaining(dir, Base64.getEncoder().encodeToString(TOKEN.getBytes())));
  }

  @Test
  void secretsSurviveARestartWithTheSameKeyFile() throws Exception {
    createDb();
    api.close();
    api = new ApiFixture(dir);
    assertEquals(
        PASSWORD,
        ApiFixture.await(api.cp.secretValues("default", "db")).orElseThrow().get("password"));
  }

  @Test
  void badKeysAndBase64AreRefusedWithoutEchoingValues() throws Exception {
    var r =
        putYaml(
            SECRETS + "/bad",
            """
            apiVersion: v1
            kind: Secret
            metadata: {name: bad}
            data: {"a/b": "%s", token: "not base64 %s"}
            """
                .formatted(Base64.getEncoder().encodeToString(PASSWORD.getBytes()), PASSWORD));
    assertEquals(422, r.status(), r.body());
    assertTrue(r.fields().containsAll(List.of("data.a/b", "data.token")), r.body());
    assertFalse(r.body().contains(PASSWORD), r.body());
  }

  @Test
  void configMapsRoundTripAndDeleteAnswers404After() throws Exception {
    var r =
        putYaml(
            "/v1/namespaces/default/configmaps/settings",
            """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings}
            data: {MODE: fast, greeting: hello}
            """);
    assertEquals(201, r.status(), r.body());
    JsonNode got = api.call("GET", "/v1/namespaces/default/configmaps/settings").json();
    assertEquals("fast", got.at("/data/MODE").asText());
    assertEquals(
        Map.of("MODE", "fast", "greeting", "hello"),
        ApiFixture.await(api.cp.configMapValues("default", "settings")).orElseThrow());
    assertEquals(200, api.call("DELETE", "/v1/namespaces/default/configmaps/settings").status());
    assertEquals(404, api.call("GET", "/v1/namespaces/default/configmaps/settings").status());
    createDb();
    assertEquals(200, api.call("DELETE", SECRETS + "/db").status());
    assertEquals(404, api.call("GET", SECRETS + "/db").status());
  }

  static List<Path> filesContaining(Path root, String needle) throws IOException {
    byte[] n = needle.getBytes(StandardCharsets.UTF_8);
    List<Path> hits = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        if (indexOf(Files.readAllBytes(f), n) >= 0) {
          hits.add(f);
        }
      }
    }
    return hits;
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
