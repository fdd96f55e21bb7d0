package dev.skiff.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Triggers and nodes: stored as given, with the same create, update and delete rules. */
class ObjectApiTest extends ApiTestCase {
  static final String TRIGGERS = "/v1/namespaces/default/triggers";
  static final String TRIGGER =
      """
      {"kind":"Trigger","metadata":{"name":"orders"},
       "spec":{"topic":"orders","bootstrapServers":"127.0.0.1:9092","service":"hello"%s}}""";

  private ApiFixture.Response as(String token, String method, String path, String body)
      throws Exception {
    return api.call(
        method,
        path,
        body.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        java.util.Map.of("Authorization", "Bearer " + token, "Content-Type", "application/json"));
  }

  @Test
  void triggerCrud() throws Exception {
    var created = api.call("POST", TRIGGERS, TRIGGER.formatted(""));
    assertEquals(201, created.status(), created.body());
    assertEquals(1, created.json().at("/metadata/generation").asLong());
    assertEquals(409, api.call("POST", TRIGGERS, TRIGGER.formatted("")).status());
    var updated = api.call("PUT", TRIGGERS + "/orders", TRIGGER.formatted(",\"path\":\"/events\""));
    assertEquals(200, updated.status(), updated.body());
    assertEquals(2, updated.json().at("/metadata/generation").asLong());
    assertEquals(created.json().at("/metadata/uid"), updated.json().at("/metadata/uid"));
    long stale = created.json().at("/metadata/resourceVersion").asLong();
    var conflict =
        api.call(
            "PUT",
            TRIGGERS + "/orders",
            TRIGGER
                .formatted("")
                .replace(
                    "\"name\":\"orders\"", "\"name\":\"orders\",\"resourceVersion\":" + stale));
    assertEquals(409, conflict.status(), conflict.body());
    assertEquals(1, api.call("GET", TRIGGERS).json().path("items").size());
    assertEquals(1, api.call("GET", "/v1/triggers").json().path("items").size());
    assertEquals("/events", api.call("GET", TRIGGERS + "/orders").json().at("/spec/path").asText());
    assertEquals(200, api.call("DELETE", TRIGGERS + "/orders").status());
    assertEquals(404, api.call("GET", TRIGGERS + "/orders").status());
    assertEquals(404, api.call("DELETE", TRIGGERS + "/orders").status());
  }

  @Test
  void triggerStatusIsWrittenOnlyByTheSystemAndSurvivesNoUserWrite() throws Exception {
    assertEquals(201, api.call("POST", TRIGGERS, TRIGGER.formatted("")).status());
    String status = TRIGGERS + "/orders/status";
    String body =
        """
        {"conditions":[{"type":"Ready","status":"False","reason":"TopicNotFound"}],
         "partitions":[{"topic":"orders","partition":0,"committed":3,"end":7,"lag":4}],"lag":4}""";
    var admin = as(ApiFixture.ADMIN_TOKEN, "PUT", status, body);
    assertEquals(403, admin.status(), admin.body());
    var system = as(api.cp.systemToken(), "PUT", status, body);
    assertEquals(200, system.status(), system.body());
    var read = api.call("GET", TRIGGERS + "/orders").json();
    assertEquals("TopicNotFound", read.at("/status/conditions/0/reason").asText());
    assertEquals(4, read.at("/status/partitions/0/lag").asLong());
    var forged =
        api.call(
            "PUT",
            TRIGGERS + "/orders",
            TRIGGER.formatted("").replace("}}", "},\"status\":{\"lag\":0}}"));
    assertEquals(200, forged.status(), forged.body());
    assertTrue(forged.json().path("status").isMissingNode(), forged.body());
  }

  @Test
  void nodeCrudIsClusterScoped() throws Exception {
    String node =
        "{\"kind\":\"Node\",\"spec\":{\"address\":\"10.0.0.1:7071\",\"runtimes\":[\"wasm\"]}}";
    var put = api.call("PUT", "/v1/nodes/n1", node);
    assertEquals(201, put.status(), put.body());
    assertEquals("n1", put.json().at("/metadata/name").asText());
    assertEquals(200, api.call("PUT", "/v1/nodes/n1", node).status());
    assertEquals(1, api.call("GET", "/v1/nodes").json().path("items").size());
    assertEquals(1, ApiFixture.await(api.cp.nodes()).items().size());
    var bad =
        api.call("PUT", "/v1/nodes/n2", "{\"kind\":\"Node\",\"spec\":{\"runtimes\":[\"jvm\"]}}");
    assertEquals(422, bad.status(), bad.body());
    assertEquals(200, api.call("DELETE", "/v1/nodes/n1").status());
    assertEquals(404, api.call("GET", "/v1/nodes/n1").status());
  }

  @Test
  void unknownRoutesAndMethodsAnswerJson() throws Exception {
    var r = api.call("GET", "/v2/everything");
    assertEquals(404, r.status());
    assertEquals("no route GET /v2/everything", r.json().path("error").asText());
    var m = api.call("PATCH", "/v1/nodes/n1");
    assertEquals(405, m.status(), m.body());
  }

  @Test
  void requestsAreCountedByRouteAndStatus() throws Exception {
    api.call("GET", "/v1/nodes/missing");
    api.call("GET", "/v1/nodes/missing");
    api.call("GET", "/v1/nodes");
    double notFound =
        api.registry
            .get("skiff.api.requests")
            .tags("route", "/v1/nodes/:name", "method", "GET", "code", "404", "code_class", "4xx")
            .counter()
            .count();
    assertEquals(2.0, notFound);
    double ok =
        api.registry
            .get("skiff.api.requests")
            .tags("route", "/v1/nodes", "code", "200")
            .counter()
            .count();
    assertEquals(1.0, ok);
  }

  @Test
  void requestsWithMethodsOfTheirOwnMakeNoMetersOfTheirOwn() throws Exception {
    // Unauthenticated and unmatched: a client choosing the method must not choose the meters.
    for (int i = 0; i < 20; i++) {
      api.call("X-METHOD-" + i, "/v1/nodes", null, java.util.Map.of());
    }
    var requests = api.registry.find("skiff.api.requests").tag("method", "other").counters();
    assertEquals(1, requests.size(), "one counter for every method HTTP does not define");
    assertEquals(20.0, requests.iterator().next().count());
    assertEquals(
        1, api.registry.find("skiff.api.request.duration").tag("method", "other").timers().size());
    assertTrue(
        api.registry.getMeters().stream()
            .noneMatch(m -> String.valueOf(m.getId().getTag("method")).startsWith("X-METHOD")));
  }
}
