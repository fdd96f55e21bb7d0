package dev.skiff.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Input that parsed "successfully" but meant something else: refused with the field named. */
class StrictInputTest extends ApiTestCase {
  static final String SERVICES = "/v1/namespaces/default/services";

  @Test
  void duplicateJsonKeyIs400NamingTheKey() throws Exception {
    long before = api.storeRevision();
    var r =
        api.call(
            "POST",
            SERVICES,
            "{\"kind\":\"Service\",\"metadata\":{\"name\":\"a\"},\"spec\":{\"template\":"
                + "{\"image\":\"registry/safe:1\",\"image\":\"registry/evil:1\"}}}");
    assertEquals(400, r.status(), r.body());
    assertTrue(r.fields().contains("image"), r.body());
    assertTrue(r.body().contains("given twice"), r.body());
    var traffic =
        api.call(
            "PUT",
            SERVICES + "/a/traffic",
            "{\"traffic\":[{\"latestRevision\":true,\"percent\":100,\"percent\":0}]}");
    assertEquals(400, traffic.status(), traffic.body());
    assertTrue(traffic.fields().contains("percent"), traffic.body());
    assertEquals(before, api.storeRevision());
  }

  @Test
  void yamlBodyIsAcceptedAndItsDuplicateKeysRefused() throws Exception {
    String auth = "Bearer " + ApiFixture.ADMIN_TOKEN;
    var ok =
        api.call(
            "POST",
            SERVICES,
            "kind: Service\nmetadata: {name: y}\nspec: {template: {image: registry/y:1}}\n"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8),
            java.util.Map.of("Authorization", auth, "Content-Type", "application/yaml"));
    assertEquals(201, ok.status(), ok.body());
    var dup =
        api.call(
            "PUT",
            SERVICES + "/y",
            "kind: Service\nspec: {template: {image: registry/y:2, image: registry/z:1}}\n"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8),
            java.util.Map.of("Authorization", auth, "Content-Type", "application/yaml"));
    assertEquals(400, dup.status(), dup.body());
    assertTrue(dup.fields().contains("image"), dup.body());
  }

  @Test
  void updateWithResourceVersionOfDeletedServiceDoesNotResurrectIt() throws Exception {
    var created =
        api.call(
            "POST",
            SERVICES,
            "{\"kind\":\"Service\",\"metadata\":{\"name\":\"a\"},"
                + "\"spec\":{\"template\":{\"image\":\"registry/a:1\"}}}");
    assertEquals(201, created.status(), created.body());
    long version = created.json().at("/metadata/resourceVersion").asLong();
    assertEquals(200, api.call("DELETE", SERVICES + "/a").status());
    var stale =
        api.call(
            "PUT",
            SERVICES + "/a",
            "{\"kind\":\"Service\",\"metadata\":{\"name\":\"a\",\"resourceVersion\":"
                + version
                + "},\"spec\":{\"template\":{\"image\":\"registry/a:2\"}}}");
    assertEquals(404, stale.status(), stale.body());
    assertTrue(stale.json().path("hint").asText().contains("without metadata.resourceVersion"));
    assertEquals(404, api.call("GET", SERVICES + "/a").status());
  }

  @Test
  void staleTriggerUpdateDoesNotResurrectIt() throws Exception {
    String triggers = "/v1/namespaces/default/triggers";
    String body =
        "{\"kind\":\"Trigger\",\"metadata\":{\"name\":\"t\"%s},\"spec\":"
            + "{\"topic\":\"orders\",\"bootstrapServers\":\"127.0.0.1:9092\",\"service\":\"a\"}}";
    var created = api.call("POST", triggers, body.formatted(""));
    assertEquals(201, created.status(), created.body());
    long version = created.json().at("/metadata/resourceVersion").asLong();
    assertEquals(200, api.call("DELETE", triggers + "/t").status());
    var stale = api.call("PUT", triggers + "/t", body.formatted(",\"resourceVersion\":" + version));
    assertEquals(404, stale.status(), stale.body());
    assertEquals(404, api.call("GET", triggers + "/t").status());
  }

  @Test
  void envValueWithLoneSurrogateIs422NamingTheField() throws Exception {
    var r =
        api.call(
            "POST",
            SERVICES,
            "{\"kind\":\"Service\",\"metadata\":{\"name\":\"a\"},\"spec\":{\"template\":"
                + "{\"image\":\"registry/a:1\",\"env\":{\"GREETING\":\"hi \\ud800 there\"}}}}");
    assertEquals(422, r.status(), r.body());
    assertTrue(r.fields().contains("spec.template.env.GREETING"), r.body());
  }
}
