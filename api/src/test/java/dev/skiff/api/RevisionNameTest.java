package dev.skiff.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.manifest.Manifests;
import dev.skiff.api.model.Service;
import dev.skiff.api.validation.ResourceValidator;
import dev.skiff.api.validation.ValidationException;
import org.junit.jupiter.api.Test;

class RevisionNameTest {
  private static Service knative(String templateMeta) {
    return (Service)
        Manifests.parse(
            """
            apiVersion: serving.knative.dev/v1
            kind: Service
            metadata: {name: example-service}
            spec:
              template:
                metadata: %s
                spec:
                  containers:
                    - image: 127.0.0.1:5000/hello:1
            """
                .formatted(templateMeta));
  }

  @Test
  void knativeTemplateNameBecomesTheRevisionName() {
    Service s = knative("{name: example-service-blue}");
    ResourceValidator.validate(s);
    assertEquals("example-service-blue", s.spec().template().name());
  }

  @Test
  void templateWithoutNameLeavesNamingToSkiff() {
    Service s = knative("{annotations: {}}");
    ResourceValidator.validate(s);
    assertNull(s.spec().template().name());
  }

  @Test
  void refusesRevisionNameWithoutTheServicePrefix() {
    var e =
        assertThrows(
            ValidationException.class, () -> ResourceValidator.validate(knative("{name: blue}")));
    assertEquals("spec.template.name", e.errors().get(0).field());
    assertTrue(e.errors().get(0).message().contains("must start with the service's name"));
    assertTrue(e.errors().get(0).hint().contains("example-service-blue"));
  }

  @Test
  void refusesPrefixAloneAndNonDnsNames() {
    for (String bad : new String[] {"example-service-", "example-service-Blue"}) {
      var e =
          assertThrows(
              ValidationException.class,
              () -> ResourceValidator.validate(knative("{name: " + bad + "}")),
              bad);
      assertEquals("spec.template.name", e.errors().get(0).field(), bad);
    }
  }

  @Test
  void refusesNonStringName() {
    var e = assertThrows(ValidationException.class, () -> knative("{name: 5}"));
    assertEquals("spec.template.metadata.name", e.errors().get(0).field());
  }
}
