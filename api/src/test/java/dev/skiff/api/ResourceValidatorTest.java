package dev.skiff.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.manifest.Manifests;
import dev.skiff.api.model.Service;
import dev.skiff.api.validation.FieldError;
import dev.skiff.api.validation.ResourceValidator;
import dev.skiff.api.validation.ValidationException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResourceValidatorTest {

  /** Each row: a template/traffic fragment in YAML flow style, and the field that must be named. */
  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "name: Hello|template: {image: busybox}|metadata.name",
        "name: a-|template: {image: busybox}|metadata.name",
        "name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|template: {image: busybox}|metadata.name",
        "name: a, namespace: Prod|template: {image: busybox}|metadata.namespace",
        "name: a|template: {image: busybox, wasm: {digest: x}}|spec.template",
        "name: a|template: {port: 80}|spec.template",
        "name: a|template: {image: 'UPPER/Case'}|spec.template.image",
        "name: a|template: {image: busybox, containerConcurrency: -1}|spec.template.containerConcurrency",
        "name: a|template: {image: busybox, timeoutSeconds: 0}|spec.template.timeoutSeconds",
        "name: a|template: {image: busybox, port: 70000}|spec.template.port",
        "name: a|template: {image: busybox, env: {1BAD: x}}|spec.template.env.1BAD",
        "name: a|template: {image: busybox, env: {PORT: '1'}}|spec.template.env.PORT",
        "name: a|template: {image: busybox, resources: {memory: lots}}|spec.template.resources.memory",
        "name: a|template: {image: busybox, resources: {cpu: 2Gi}}|spec.template.resources.cpu",
        "name: a|template: {image: busybox, annotations: {autoscaling.knative.dev/min-scale: '-1'}}|spec.template.annotations[autoscaling.knative.dev/min-scale]",
        "name: a|template: {image: busybox, annotations: {autoscaling.knative.dev/min-scale: '5', autoscaling.knative.dev/max-scale: '2'}}|spec.template.annotations[autoscaling.knative.dev/min-scale]",
        "name: a|template: {image: busybox, annotations: {autoscaling.knative.dev/window: forever}}|spec.template.annotations[autoscaling.knative.dev/window]",
        "name: a|template: {image: busybox, annotations: {autoscaling.knative.dev/minScale: '1', autoscaling.knative.dev/min-scale: '1'}}|spec.template.annotations[autoscaling.knative.dev/minScale]",
        "name: a|template: {image: busybox, annotations: {autoscaling.knative.dev/minscale: '1'}}|spec.template.annotations[autoscaling.knative.dev/minscale]",
        "name: a|template: {image: busybox, annotations: {autoscaling.knative.dev/scale-down-delay: 1h1s}}|spec.template.annotations[autoscaling.knative.dev/scale-down-delay]",
        "name: a|template: {image: busybox, annotations: {autoscaling.knative.dev/scale-down-delay: 1500ms}}|spec.template.annotations[autoscaling.knative.dev/scale-down-delay]",
        "name: a|template: {image: busybox, annotations: {autoscaling.knative.dev/activation-scale: '0'}}|spec.template.annotations[autoscaling.knative.dev/activation-scale]",
        "name: a|template: {image: busybox, annotations: {autoscaling.knative.dev/maxScale: 'x'}}|spec.template.annotations[autoscaling.knative.dev/max-scale]",
        "name: a|template: {wasm: {digest: 'sha256:abc'}}|spec.template.wasm.digest",
        "name: a|template: {image: busybox}, traffic: [{latestRevision: true, percent: 50}]|spec.traffic",
        "name: a|template: {image: busybox}, traffic: [{revisionName: a-00001, latestRevision: true, percent: 100}]|spec.traffic[0]",
        "name: a|template: {image: busybox}, traffic: [{latestRevision: true, percent: 100, tag: x}, {revisionName: a-00001, percent: 0, tag: x}]|spec.traffic[1].tag",
        "name: a|template: {image: busybox}, traffic: [{latestRevision: true, percent: 101}]|spec.traffic[0].percent",
      })
  void namesTheOffendingField(String metadata, String spec, String field) {
    String yaml = "kind: Service\nmetadata: {" + metadata + "}\nspec: {" + spec + "}\n";
    Service s = (Service) Manifests.parse(yaml);
    var e = assertThrows(ValidationException.class, () -> ResourceValidator.validate(s));
    List<String> fields = e.errors().stream().map(FieldError::field).toList();
    assertTrue(fields.contains(field), () -> "expected " + field + " in " + fields);
  }

  @org.junit.jupiter.api.Test
  void reportsEveryProblemNotOnlyTheFirst() {
    Service s =
        (Service)
            Manifests.parse(
                "kind: Service\nmetadata: {name: A}\n"
                    + "spec: {template: {image: busybox, port: 0, containerConcurrency: -2}}");
    var e = assertThrows(ValidationException.class, () -> ResourceValidator.validate(s));
    assertEquals(3, e.errors().size(), e.getMessage());
    e.errors().forEach(err -> assertTrue(err.message() != null && !err.message().isEmpty()));
  }

  private static Service withDirectory(String directory) {
    return (Service)
        Manifests.parse(
            "kind: Service\nmetadata: {name: a}\nspec: {template: {wasm: {digest: 'sha256:"
                + "0".repeat(64)
                + "', directory: "
                + directory
                + "}}}");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{hostPath: /, writable: true}",
        "{hostPath: /etc}",
        "{hostPath: ../x}",
        "{hostPath: a/../../x}",
        "{hostPath: ''}"
      })
  void hostPathThatIsAbsoluteOrClimbsIsRefused(String directory) {
    var e =
        assertThrows(
            ValidationException.class,
            () -> ResourceValidator.validate(withDirectory(directory), true));
    assertEquals("spec.template.wasm.directory.hostPath", e.errors().get(0).field());
  }

  @org.junit.jupiter.api.Test
  void hostPathWithoutAVolumeRootNamesTheFlag() {
    var e =
        assertThrows(
            ValidationException.class,
            () -> ResourceValidator.validate(withDirectory("{hostPath: shared/data}"), false));
    assertTrue(e.getMessage().contains("--volume-root"), e.getMessage());
  }

  @org.junit.jupiter.api.Test
  void relativeHostPathUnderAVolumeRootAndTheServicesOwnVolumeAreAccepted() {
    ResourceValidator.validate(withDirectory("{hostPath: shared/data}"), true);
    ResourceValidator.validate(withDirectory("{guestPath: /data, writable: true}"), false);
  }
}
