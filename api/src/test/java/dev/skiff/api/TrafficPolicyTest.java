package dev.skiff.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.manifest.Manifests;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.TrafficPolicy;
import dev.skiff.api.validation.ResourceValidator;
import dev.skiff.api.validation.ValidationException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The traffic policy annotations: defaults, Knative's spellings, and refusal of bad values. */
class TrafficPolicyTest {
  @Test
  void defaultsWithoutAnnotations() {
    TrafficPolicy p = TrafficPolicy.of(Map.of());
    assertEquals(TrafficPolicy.DEFAULTS, p);
    assertEquals(Duration.ZERO, p.rolloutDuration());
    assertEquals(5.0, p.maxErrorRatePercent());
    assertEquals(Duration.ZERO, p.maxP99());
    assertEquals(Duration.ofSeconds(10), p.analysisWindow());
    assertEquals(20, p.minRequests());
    assertEquals(false, p.tagHeaderRouting());
  }

  @Test
  void aKnativeServiceCarriesRolloutDurationAndTheTagHeaderFlag() {
    Service s =
        (Service)
            Manifests.parse(
                """
                apiVersion: serving.knative.dev/v1
                kind: Service
                metadata:
                  name: web
                  annotations:
                    serving.knative.dev/rollout-duration: "380s"
                    features.knative.dev/tag-header-based-routing: Enabled
                    skiff.dev/max-error-rate: "2.5%"
                spec:
                  template:
                    spec:
                      containers:
                        - image: 127.0.0.1:5000/web:1
                """);
    ResourceValidator.validate(s);
    TrafficPolicy p = TrafficPolicy.of(s.metadata().annotations());
    assertEquals(Duration.ofSeconds(380), p.rolloutDuration());
    assertTrue(p.tagHeaderRouting());
    assertEquals(2.5, p.maxErrorRatePercent());
  }

  @Test
  void everyBadValueIsNamedWithItsAnnotation() {
    Service s =
        (Service)
            Manifests.parse(
                """
                apiVersion: skiff.dev/v1
                kind: Service
                metadata:
                  name: web
                  annotations:
                    serving.knative.dev/rollout-duration: "25h"
                    skiff.dev/max-error-rate: "-1"
                    skiff.dev/max-p99: "fast"
                    skiff.dev/analysis-window: "0s"
                    skiff.dev/analysis-min-requests: "0"
                    skiff.dev/tag-header-routing: "yes"
                spec:
                  template: {image: 127.0.0.1:5000/web:1}
                """);
    ValidationException e =
        assertThrows(ValidationException.class, () -> ResourceValidator.validate(s));
    String fields = e.errors().toString();
    for (String key :
        new String[] {
          TrafficPolicy.ROLLOUT_DURATION,
          TrafficPolicy.MAX_ERROR_RATE,
          TrafficPolicy.MAX_P99,
          TrafficPolicy.ANALYSIS_WINDOW,
          TrafficPolicy.MIN_REQUESTS,
          TrafficPolicy.TAG_HEADER_ROUTING
        }) {
      assertTrue(fields.contains("metadata.annotations[" + key + "]"), key + " in " + fields);
    }
  }
}
