package dev.skiff.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Revision names users choose ({@code spec.template.metadata.name}), with Knative's rules, through
 * the real API: the blue/green guide's manifests as its docs give them.
 */
class NamedRevisionApiTest extends ApiTestCase {
  static final String SERVICES = "/v1/namespaces/default/services";
  static final String REVISIONS = "/v1/namespaces/default/revisions";

  static String manifest(String revision, String target, String traffic) {
    return """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: example-service
          namespace: default
        spec:
          template:
            metadata:
              name: %s
            spec:
              containers:
                - image: ghcr.io/knative/helloworld-go:latest
                  ports:
                    - containerPort: 8080
                  env:
                    - name: TARGET
                      value: "%s"
        %s"""
        .formatted(revision, target, traffic);
  }

  private ApiFixture.Response apply(String yaml) throws Exception {
    return api.call(
        "PUT",
        SERVICES + "/example-service",
        yaml.getBytes(StandardCharsets.UTF_8),
        "application/yaml");
  }

  @Test
  void blueGreenGuideNamesRevisionsAndTagsTraffic() throws Exception {
    var blue = apply(manifest("example-service-blue", "blue", ""));
    assertEquals(201, blue.status(), blue.body());
    assertEquals(
        "example-service-blue", blue.json().at("/status/latestCreatedRevisionName").asText());
    var rev = api.call("GET", REVISIONS + "/example-service-blue");
    assertEquals(200, rev.status(), rev.body());
    assertEquals(1, rev.json().at("/spec/number").asInt());

    var green =
        apply(
            manifest(
                "example-service-green",
                "green",
                """
                  traffic:
                  - tag: current
                    revisionName: example-service-blue
                    percent: 100
                  - tag: candidate
                    revisionName: example-service-green
                    percent: 0
                  - tag: latest
                    latestRevision: true
                    percent: 0
                """));
    assertEquals(200, green.status(), green.body());
    JsonNode status = green.json().at("/status");
    assertEquals("example-service-green", status.at("/latestCreatedRevisionName").asText());
    assertEquals("example-service-blue", status.at("/traffic/0/revisionName").asText());
    assertEquals("current", status.at("/traffic/0/tag").asText());
    assertEquals("example-service-green", status.at("/traffic/1/revisionName").asText());
    assertEquals(
        2, api.call("GET", REVISIONS + "/example-service-green").json().at("/spec/number").asInt());

    // Re-applying the same manifest with a new split changes traffic only: no new revision.
    var split =
        apply(
            manifest(
                "example-service-green",
                "green",
                """
                  traffic:
                  - tag: current
                    revisionName: example-service-blue
                    percent: 50
                  - tag: candidate
                    revisionName: example-service-green
                    percent: 50
                """));
    assertEquals(200, split.status(), split.body());
    assertEquals(List.of("example-service-blue", "example-service-green"), revisionNames());
  }

  @Test
  void changedTemplateUnderTheSameNameIsAConflictThatSaysSo() throws Exception {
    assertEquals(201, apply(manifest("example-service-blue", "blue", "")).status());
    var same = apply(manifest("example-service-blue", "green", ""));
    assertEquals(409, same.status(), same.body());
    assertTrue(same.body().contains("example-service-blue already exists"), same.body());
    assertTrue(same.body().contains("needs a new revision name"), same.body());
    assertTrue(same.body().contains("spec.template.name"), same.body());
    assertEquals(List.of("example-service-blue"), revisionNames());
  }

  @Test
  void earlierRevisionsNameCannotBeReusedForANewTemplate() throws Exception {
    apply(manifest("example-service-blue", "blue", ""));
    apply(manifest("example-service-green", "green", ""));
    var back = apply(manifest("example-service-blue", "blue again", ""));
    assertEquals(409, back.status(), back.body());
    assertTrue(back.body().contains("an earlier revision"), back.body());
  }

  @Test
  void generatedNamesContinueAfterChosenOnesAndSkipTakenNames() throws Exception {
    apply(manifest("example-service-00002", "one", ""));
    var unnamed =
        api.call(
            "PUT",
            SERVICES + "/example-service",
            """
            {"metadata":{"name":"example-service"},
             "spec":{"template":{"image":"registry/x:2"}}}""");
    assertEquals(200, unnamed.status(), unnamed.body());
    // Ordinal 2 is next, but its generated name is the first revision's chosen one.
    assertEquals(
        "example-service-00003", unnamed.json().at("/status/latestCreatedRevisionName").asText());
    assertEquals(List.of("example-service-00002", "example-service-00003"), revisionNames());
  }

  @Test
  void anotherServicesRevisionNameIsAConflict() throws Exception {
    api.call(
        "POST",
        SERVICES,
        """
        {"metadata":{"name":"example"},
         "spec":{"template":{"image":"registry/x:1","name":"example-service-blue"}}}""");
    var taken = apply(manifest("example-service-blue", "blue", ""));
    assertEquals(409, taken.status(), taken.body());
    assertTrue(taken.body().contains("belongs to service example"), taken.body());
  }

  @Test
  void latestReadyFollowsOrdinalsNotNames() throws Exception {
    apply(manifest("example-service-zzz", "one", ""));
    apply(manifest("example-service-aaa", "two", ""));
    for (String r : List.of("example-service-zzz", "example-service-aaa")) {
      api.call(
          "PUT",
          REVISIONS + "/" + r + "/status",
          "{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}");
    }
    JsonNode svc = api.call("GET", SERVICES + "/example-service").json();
    assertEquals("example-service-aaa", svc.at("/status/latestReadyRevisionName").asText());
  }

  private List<String> revisionNames() throws Exception {
    List<String> names = new ArrayList<>();
    api.call("GET", REVISIONS + "?service=example-service")
        .json()
        .path("items")
        .forEach(r -> names.add(r.at("/metadata/name").asText()));
    return names;
  }
}
