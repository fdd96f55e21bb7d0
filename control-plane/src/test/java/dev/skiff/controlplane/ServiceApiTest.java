package dev.skiff.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The service and revision API against a real control plane and embedded store. */
class ServiceApiTest extends ApiTestCase {
  static final String SERVICES = "/v1/namespaces/default/services";
  static final String REVISIONS = "/v1/namespaces/default/revisions";

  static String service(String name, String image, String extra) {
    return """
        {"apiVersion":"skiff.dev/v1","kind":"Service","metadata":{"name":"%s"%s},
         "spec":{"template":{"image":"%s"}}}"""
        .formatted(name, extra, image);
  }

  @Test
  void createMakesTheFirstRevisionAndStatus() throws Exception {
    var r = api.call("POST", SERVICES, service("hello", "registry/hello:1", ""));
    assertEquals(201, r.status(), r.body());
    JsonNode svc = r.json();
    assertEquals("default", svc.at("/metadata/namespace").asText());
    assertEquals(1, svc.at("/metadata/generation").asLong());
    assertTrue(svc.at("/metadata/resourceVersion").asLong() > 0);
    assertEquals("hello-00001", svc.at("/status/latestCreatedRevisionName").asText());
    assertEquals("http://hello.default.localhost", svc.at("/status/url").asText());
    assertEquals("hello-00001", svc.at("/status/traffic/0/revisionName").asText());
    assertEquals(100, svc.at("/status/traffic/0/percent").asInt());
    assertEquals("Unknown", svc.at("/status/conditions/0/status").asText());
    var rev = api.call("GET", REVISIONS + "/hello-00001");
    assertEquals(200, rev.status());
    assertEquals("registry/hello:1", rev.json().at("/spec/template/image").asText());
    assertEquals(1, rev.json().at("/spec/number").asInt());
    assertEquals(
        409, api.call("POST", SERVICES, service("hello", "registry/hello:1", "")).status());
  }

  @Test
  void templateChangeMakesTheNextRevisionAndMetadataChangeNone() throws Exception {
    api.call("POST", SERVICES, service("hello", "registry/hello:1", ""));
    var v2 = api.call("PUT", SERVICES + "/hello", service("hello", "registry/hello:2", ""));
    assertEquals(200, v2.status(), v2.body());
    assertEquals("hello-00002", v2.json().at("/status/latestCreatedRevisionName").asText());
    assertEquals(2, v2.json().at("/metadata/generation").asLong());
    var labelled =
        api.call(
            "PUT",
            SERVICES + "/hello",
            service("hello", "registry/hello:2", ",\"labels\":{\"team\":\"a\"}"));
    assertEquals(200, labelled.status(), labelled.body());
    assertEquals("hello-00002", labelled.json().at("/status/latestCreatedRevisionName").asText());
    assertEquals(2, labelled.json().at("/metadata/generation").asLong());
    assertEquals("a", labelled.json().at("/metadata/labels/team").asText());
    assertEquals(List.of("hello-00001", "hello-00002"), revisionNames("hello"));
  }

  @Test
  void authorizationChangeKeepsTheRevisionAndIsStoredWithTheService() throws Exception {
    api.call("POST", SERVICES, service("hello", "registry/hello:1", ""));
    String authorized =
        """
        {"apiVersion":"skiff.dev/v1","kind":"Service","metadata":{"name":"hello"},
         "spec":{"template":{"image":"registry/hello:1"},
                 "authorization":{"allow":["spiffe://skiff.local/ns/billing/svc/*"],
                                  "mode":"PERMISSIVE"}}}""";
    var r = api.call("PUT", SERVICES + "/hello", authorized);
    assertEquals(200, r.status(), r.body());
    assertEquals("hello-00001", r.json().at("/status/latestCreatedRevisionName").asText());
    assertEquals(
        "spiffe://skiff.local/ns/billing/svc/*",
        r.json().at("/spec/authorization/allow/0").asText());
    // Moving traffic keeps the authorization; only the template makes revisions.
    var moved =
        api.call(
            "PUT",
            SERVICES + "/hello/traffic",
            "{\"traffic\":[{\"latestRevision\":true,\"percent\":100}]}");
    assertEquals(200, moved.status(), moved.body());
    JsonNode stored = api.call("GET", SERVICES + "/hello").json();
    assertEquals("PERMISSIVE", stored.at("/spec/authorization/mode").asText());
    var back = api.call("PUT", SERVICES + "/hello", service("hello", "registry/hello:1", ""));
    assertEquals(200, back.status(), back.body());
    assertTrue(back.json().at("/spec/authorization").isMissingNode(), back.body());
    assertEquals(List.of("hello-00001"), revisionNames("hello"));
  }

  @Test
  void invalidAuthorizationIsRefusedNamingTheEntry() throws Exception {
    var r =
        api.call(
            "POST",
            SERVICES,
            """
            {"metadata":{"name":"hello"},"spec":{"template":{"image":"registry/hello:1"},
             "authorization":{"allow":["*","spiffe://skiff.local/ns/Billing/svc/x"]}}}""");
    assertEquals(422, r.status(), r.body());
    assertTrue(r.body().contains("spec.authorization.allow[1]"), r.body());
    assertEquals(List.of(), revisionNames("hello"));
  }

  @Test
  void putCreatesWhenAbsent() throws Exception {
    var r = api.call("PUT", SERVICES + "/fresh", service("fresh", "registry/x:1", ""));
    assertEquals(201, r.status(), r.body());
  }

  @Test
  void trafficSplitsFiftyFiftyAndFollowsReadiness() throws Exception {
    api.call("POST", SERVICES, service("hello", "registry/hello:1", ""));
    api.call("PUT", SERVICES + "/hello", service("hello", "registry/hello:2", ""));
    var split =
        api.call(
            "PUT",
            SERVICES + "/hello/traffic",
            """
        {"traffic":[{"revisionName":"hello-00001","percent":50},
                    {"latestRevision":true,"percent":50,"tag":"next"}]}""");
    assertEquals(200, split.status(), split.body());
    JsonNode traffic = split.json().at("/status/traffic");
    assertEquals("hello-00001", traffic.get(0).path("revisionName").asText());
    assertEquals(50, traffic.get(0).path("percent").asInt());
    // No revision is ready yet: latestRevision falls back to the latest created.
    assertEquals("hello-00002", traffic.get(1).path("revisionName").asText());
    assertEquals("next", traffic.get(1).path("tag").asText());

    var ready =
        api.call(
            "PUT",
            REVISIONS + "/hello-00001/status",
            "{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}],\"readyInstances\":1}");
    assertEquals(200, ready.status(), ready.body());
    JsonNode svc = api.call("GET", SERVICES + "/hello").json();
    assertEquals("hello-00001", svc.at("/status/latestReadyRevisionName").asText());
    // latestRevision follows the newest READY revision.
    assertEquals("hello-00001", svc.at("/status/traffic/1/revisionName").asText());
    assertEquals("True", svc.at("/status/conditions/0/status").asText());

    api.call(
        "PUT",
        REVISIONS + "/hello-00002/status",
        "{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}");
    svc = api.call("GET", SERVICES + "/hello").json();
    assertEquals("hello-00002", svc.at("/status/traffic/1/revisionName").asText());
  }

  @Test
  void staleResourceVersionIsAConflict() throws Exception {
    long v1 =
        api.call("POST", SERVICES, service("hello", "registry/hello:1", ""))
            .json()
            .at("/metadata/resourceVersion")
            .asLong();
    var ok =
        api.call(
            "PUT",
            SERVICES + "/hello",
            service("hello", "registry/hello:2", ",\"resourceVersion\":" + v1));
    assertEquals(200, ok.status(), ok.body());
    long before = api.storeRevision();
    var stale =
        api.call(
            "PUT",
            SERVICES + "/hello",
            service("hello", "registry/hello:3", ",\"resourceVersion\":" + v1));
    assertEquals(409, stale.status(), stale.body());
    assertTrue(stale.json().path("hint").asText().contains("resourceVersion"));
    assertEquals(before, api.storeRevision());
    var staleTraffic =
        api.call(
            "PUT",
            SERVICES + "/hello/traffic",
            "{\"traffic\":[{\"latestRevision\":true,\"percent\":100}],\"resourceVersion\":"
                + v1
                + "}");
    assertEquals(409, staleTraffic.status());
  }

  @Test
  void getListAndDelete() throws Exception {
    api.call("POST", SERVICES, service("a", "registry/a:1", ""));
    api.call("POST", SERVICES, service("b", "registry/b:1", ""));
    api.call("POST", "/v1/namespaces/other/services", service("c", "registry/c:1", ""));
    assertEquals(2, api.call("GET", SERVICES).json().path("items").size());
    JsonNode all = api.call("GET", "/v1/services").json();
    assertEquals(3, all.path("items").size());
    assertTrue(all.path("revision").asLong() > 0);
    assertEquals(200, api.call("GET", SERVICES + "/a").status());
    assertEquals(404, api.call("GET", SERVICES + "/nope").status());
    var deleted = api.call("DELETE", SERVICES + "/a");
    assertEquals(200, deleted.status());
    assertEquals("a", deleted.json().path("deleted").asText());
    assertEquals(404, api.call("GET", SERVICES + "/a").status());
    assertEquals(404, api.call("GET", REVISIONS + "/a-00001").status(), "its revisions go too");
    assertEquals(404, api.call("DELETE", SERVICES + "/a").status());
  }

  @Test
  void deletingARevisionThatTrafficUsesIsAConflictWithAHint() throws Exception {
    api.call("POST", SERVICES, service("hello", "registry/hello:1", ""));
    api.call("PUT", SERVICES + "/hello", service("hello", "registry/hello:2", ""));
    api.call(
        "PUT",
        SERVICES + "/hello/traffic",
        "{\"traffic\":[{\"revisionName\":\"hello-00001\",\"percent\":100}]}");
    var r = api.call("DELETE", REVISIONS + "/hello-00001");
    assertEquals(409, r.status(), r.body());
    assertTrue(r.json().path("hint").asText().contains("/traffic"), r.body());
    assertEquals(
        409, api.call("DELETE", REVISIONS + "/hello-00002").status(), "the latest revision stays");
    api.call(
        "PUT",
        SERVICES + "/hello/traffic",
        "{\"traffic\":[{\"latestRevision\":true,\"percent\":100}]}");
    assertEquals(200, api.call("DELETE", REVISIONS + "/hello-00001").status());
    assertEquals(List.of("hello-00002"), revisionNames("hello"));
    var next = api.call("PUT", SERVICES + "/hello", service("hello", "registry/hello:3", ""));
    assertEquals("hello-00003", next.json().at("/status/latestCreatedRevisionName").asText());
  }

  @Test
  void trafficToAnotherServicesRevisionIsRejectedWithItsField() throws Exception {
    api.call("POST", SERVICES, service("hello", "registry/hello:1", ""));
    api.call("POST", SERVICES, service("other", "registry/other:1", ""));
    long before = api.storeRevision();
    var r =
        api.call(
            "PUT",
            SERVICES + "/hello/traffic",
            """
        {"traffic":[{"latestRevision":true,"percent":50},{"revisionName":"other-00001","percent":50}]}""");
    assertEquals(422, r.status(), r.body());
    assertEquals(List.of("spec.traffic[1].revisionName"), r.fields());
    assertTrue(r.body().contains("belongs to service other"), r.body());
    assertEquals(before, api.storeRevision());
  }

  @Test
  void knativeManifestIsAccepted() throws Exception {
    var r =
        api.call(
            "POST",
            SERVICES,
            """
        {"apiVersion":"serving.knative.dev/v1","kind":"Service",
         "metadata":{"name":"kn","annotations":{"team":"x"}},
         "spec":{"template":{
           "metadata":{"annotations":{"autoscaling.knative.dev/min-scale":"1"}},
           "spec":{"containerConcurrency":10,"containers":[{"image":"registry/kn:1",
             "env":[{"name":"GREETING","value":"hi"}],"ports":[{"containerPort":9090}],
             "resources":{"limits":{"memory":"128Mi","cpu":"500m"}}}]}}}}""");
    assertEquals(201, r.status(), r.body());
    assertEquals("skiff.dev/v1", r.json().path("apiVersion").asText());
    JsonNode rev = api.call("GET", REVISIONS + "/kn-00001").json();
    assertEquals(9090, rev.at("/spec/template/port").asInt());
    assertEquals("hi", rev.at("/spec/template/env/GREETING").asText());
    assertEquals(
        "1", rev.at("/spec/template/annotations/autoscaling.knative.dev~1min-scale").asText());
  }

  @Test
  void serviceLevelAutoscalingAnnotationsReachTheRevision() throws Exception {
    api.call(
        "POST",
        SERVICES,
        service(
            "hello",
            "registry/hello:1",
            ",\"annotations\":{\"autoscaling.knative.dev/max-scale\":\"3\"}"));
    JsonNode rev = api.call("GET", REVISIONS + "/hello-00001").json();
    assertEquals(
        "3", rev.at("/spec/template/annotations/autoscaling.knative.dev~1max-scale").asText());
  }

  @Test
  void concurrentTemplateUpdatesNeverShareOrLoseARevisionNumber() throws Exception {
    api.call("POST", SERVICES, service("hello", "registry/hello:0", ""));
    List<CompletableFuture<ApiFixture.Response>> updates = new ArrayList<>();
    for (int i = 1; i <= 12; i++) {
      String body = service("hello", "registry/hello:" + i, "");
      updates.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return api.call("PUT", SERVICES + "/hello", body);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }));
    }
    Set<String> latest = new HashSet<>();
    for (var u : updates) {
      var r = u.get();
      assertEquals(200, r.status(), r.body());
      latest.add(r.json().at("/status/latestCreatedRevisionName").asText());
    }
    assertEquals(12, latest.size(), "each update made its own revision: " + latest);
    List<String> names = revisionNames("hello");
    assertEquals(13, names.size(), names.toString());
    for (int i = 1; i <= 13; i++) {
      assertEquals(String.format("hello-%05d", i), names.get(i - 1));
    }
  }

  private List<String> revisionNames(String service) throws Exception {
    List<String> names = new ArrayList<>();
    api.call("GET", REVISIONS + "?service=" + service)
        .json()
        .path("items")
        .forEach(r -> names.add(r.at("/metadata/name").asText()));
    return names;
  }
}
