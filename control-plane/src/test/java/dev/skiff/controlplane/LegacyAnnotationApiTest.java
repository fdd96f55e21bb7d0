package dev.skiff.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Knative's autoscale-go sample as its docs give it, with the old camelCase annotation: accepted,
 * stored under today's name, with a deprecation warning in the response.
 */
class LegacyAnnotationApiTest extends ApiTestCase {
  static final String AUTOSCALE_GO =
      """
      apiVersion: serving.knative.dev/v1
      kind: Service
      metadata:
        name: autoscale-go
        namespace: default
      spec:
        template:
          metadata:
            annotations:
              # Target 10 in-flight-requests per pod.
              autoscaling.knative.dev/target: "10"
              autoscaling.knative.dev/targetUtilizationPercentage: "80"
          spec:
            containers:
            - image: ghcr.io/knative/autoscale-go:latest
      """;

  @Test
  void oldSpellingIsStoredUnderTodaysNameWithAWarning() throws Exception {
    var r =
        api.call(
            "PUT",
            "/v1/namespaces/default/services/autoscale-go",
            AUTOSCALE_GO.getBytes(StandardCharsets.UTF_8),
            "application/yaml");
    assertEquals(201, r.status(), r.body());
    assertEquals(1, r.warnings().size(), r.warnings().toString());
    String w = r.warnings().get(0);
    assertTrue(w.startsWith("299 - \""), w);
    assertTrue(w.contains("targetUtilizationPercentage] is deprecated"), w);
    assertTrue(w.contains("autoscaling.knative.dev/target-utilization-percentage"), w);
    JsonNode a = r.json().at("/spec/template/annotations");
    assertEquals("80", a.path("autoscaling.knative.dev/target-utilization-percentage").asText());
    assertFalse(a.has("autoscaling.knative.dev/targetUtilizationPercentage"));
    JsonNode rev = api.call("GET", "/v1/namespaces/default/revisions/autoscale-go-00001").json();
    assertEquals(
        "80",
        rev.at("/spec/template/annotations")
            .path("autoscaling.knative.dev/target-utilization-percentage")
            .asText());
  }

  @Test
  void bothSpellingsTogetherAreRefused() throws Exception {
    String both =
        AUTOSCALE_GO.replace(
            "autoscaling.knative.dev/target: \"10\"",
            "autoscaling.knative.dev/target-utilization-percentage: \"70\"");
    var r =
        api.call(
            "PUT",
            "/v1/namespaces/default/services/autoscale-go",
            both.getBytes(StandardCharsets.UTF_8),
            "application/yaml");
    assertEquals(422, r.status(), r.body());
    assertTrue(r.body().contains("old spelling of"), r.body());
  }

  @Test
  void maxScaleUnderItsOldNameMeetsTheSameCeiling() throws Exception {
    api.close();
    api =
        new ApiFixture(
            dir,
            ControlPlane.builder()
                .withAdmissionLimits(
                    new dev.skiff.api.validation.AdmissionLimits(
                        10, "--max-instances-per-revision")));
    String big =
        AUTOSCALE_GO.replace(
            "autoscaling.knative.dev/target: \"10\"", "autoscaling.knative.dev/maxScale: \"5000\"");
    var r =
        api.call(
            "PUT",
            "/v1/namespaces/default/services/autoscale-go",
            big.getBytes(StandardCharsets.UTF_8),
            "application/yaml");
    assertEquals(422, r.status(), r.body());
    assertTrue(r.body().contains("ceiling of 10"), r.body());
  }
}
