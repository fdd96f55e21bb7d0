package dev.skiff.api.validation;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdmissionLimitsTest {
  final AdmissionLimits limits = new AdmissionLimits(100, "--max-instances-per-revision");

  static Service service(Map<String, String> meta, Map<String, String> template) {
    RevisionTemplate t =
        new RevisionTemplate("example/hello:1", null, null, null, null, null, null, template);
    return Service.of(
        new ObjectMeta("hello", "default", null, null, null, null, null, meta),
        new ServiceSpec(t, List.of()));
  }

  @Test
  void refusesAMinScaleAboveTheCeilingNamingFieldCeilingAndFlag() {
    ValidationException e =
        assertThrows(
            ValidationException.class,
            () ->
                limits.check(
                    service(Map.of(), Map.of("autoscaling.knative.dev/min-scale", "20100"))));

    FieldError err = e.errors().get(0);
    assertEquals("spec.template.annotations[autoscaling.knative.dev/min-scale]", err.field());
    assertTrue(err.message().contains("20100") && err.message().contains("100"), err.message());
    assertTrue(err.hint().contains("--max-instances-per-revision"), err.hint());
  }

  @Test
  void checksMaxAndInitialScaleOnTheServiceToo() {
    ValidationException e =
        assertThrows(
            ValidationException.class,
            () ->
                limits.check(
                    service(
                        Map.of(
                            "autoscaling.knative.dev/max-scale", "101",
                            "autoscaling.knative.dev/initial-scale", "5000"),
                        Map.of())));

    assertEquals(
        List.of(
            "metadata.annotations[autoscaling.knative.dev/max-scale]",
            "metadata.annotations[autoscaling.knative.dev/initial-scale]"),
        e.errors().stream().map(FieldError::field).toList());
  }

  @Test
  void admitsScalesUpToTheCeilingAndLeavesMalformedValuesToTheValidator() {
    assertDoesNotThrow(
        () ->
            limits.check(
                service(
                    Map.of("autoscaling.knative.dev/min-scale", "many"),
                    Map.of(
                        "autoscaling.knative.dev/max-scale", "100",
                        "autoscaling.knative.dev/max-scale-extra", "1"))));
  }

  @Test
  void theTemplatesAnnotationWinsOverTheServices() {
    assertDoesNotThrow(
        () ->
            limits.check(
                service(
                    Map.of("autoscaling.knative.dev/min-scale", "20100"),
                    Map.of("autoscaling.knative.dev/min-scale", "1"))));
  }
}
