package dev.skiff.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.manifest.Json;
import dev.skiff.api.manifest.Manifests;
import dev.skiff.api.model.Resource;
import dev.skiff.api.model.ScalingSettings;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.Trigger;
import dev.skiff.api.validation.ResourceValidator;
import dev.skiff.api.validation.ValidationException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestsTest {

  @Test
  void readsSkiffWasmServiceFromYaml() {
    Service s =
        (Service)
            Manifests.parse(
                """
                apiVersion: skiff.dev/v1
                kind: Service
                metadata: {name: hello}
                spec:
                  template:
                    wasm: {digest: "sha256:%s"}
                    env: {GREETING: hi}
                    containerConcurrency: 4
                    annotations: {autoscaling.knative.dev/min-scale: "1"}
                  traffic:
                    - {latestRevision: true, percent: 100}
                """
                    .formatted("a".repeat(64)));
    ResourceValidator.validate(s);
    assertEquals("hello", s.metadata().name());
    assertEquals("default", s.metadata().namespaceOrDefault());
    assertEquals("wasm", s.spec().template().workloadKind());
    assertEquals(4, s.spec().template().containerConcurrencyOrDefault());
    assertEquals(1, ScalingSettings.from(s.spec().template().annotations()).minScale());
  }

  @Test
  void mapsKnativeServiceOntoSkiffModel() {
    Service s =
        (Service)
            Manifests.parse(
                """
                apiVersion: serving.knative.dev/v1
                kind: Service
                metadata:
                  name: web
                  namespace: shop
                spec:
                  template:
                    metadata:
                      annotations:
                        autoscaling.knative.dev/max-scale: "5"
                        autoscaling.knative.dev/target: "10"
                    spec:
                      containerConcurrency: 20
                      timeoutSeconds: 60
                      containers:
                        - image: 127.0.0.1:5000/hello:1
                          env: [{name: MODE, value: fast}]
                          ports: [{containerPort: 9000}]
                          resources: {limits: {memory: 256Mi, cpu: 500m}}
                  traffic:
                    - {revisionName: web-00001, percent: 80}
                    - {latestRevision: true, percent: 20, tag: canary}
                """);
    ResourceValidator.validate(s);
    var t = s.spec().template();
    assertEquals("127.0.0.1:5000/hello:1", t.image());
    assertNull(t.wasm());
    assertEquals(9000, t.portOrDefault());
    assertEquals(20, t.containerConcurrency());
    assertEquals(60, t.timeoutSeconds());
    assertEquals("fast", t.env().get("MODE"));
    assertEquals("256Mi", t.resources().memory());
    assertEquals(5, ScalingSettings.from(t.annotations()).maxScale());
    assertEquals("shop", s.metadata().namespace());
    assertEquals(2, s.spec().traffic().size());
    assertEquals("canary", s.spec().traffic().get(1).tag());
  }

  @Test
  void rejectsKnativeFieldsSkiffCannotHonourByPath() {
    var e =
        assertThrows(
            ValidationException.class,
            () ->
                Manifests.parse(
                    """
                    apiVersion: serving.knative.dev/v1
                    kind: Service
                    metadata: {name: web}
                    spec:
                      template:
                        spec:
                          containers:
                            - image: nginx
                              startupProbe: {httpGet: {path: /}}
                    """));
    assertEquals("spec.template.spec.containers[0].startupProbe", e.errors().get(0).field());
  }

  @Test
  void reportsWrongTypeWithFieldPath() {
    var e =
        assertThrows(
            ValidationException.class,
            () ->
                Manifests.parse(
                    "{\"kind\":\"Service\",\"metadata\":{\"name\":\"a\"},"
                        + "\"spec\":{\"template\":{\"image\":\"x\",\"port\":\"eighty\"}}}"));
    assertEquals("spec.template.port", e.errors().get(0).field());
  }

  @Test
  void reportsUnknownFieldWithFieldPath() {
    var e =
        assertThrows(
            ValidationException.class,
            () ->
                Manifests.parse("kind: Service\nmetadata: {name: a}\nspec: {template: {imag: x}}"));
    assertEquals("spec.template.imag", e.errors().get(0).field());
  }

  @Test
  void refusesDuplicateKeysInYamlAndJsonNamingTheKey() {
    var yaml =
        assertThrows(
            ValidationException.class,
            () ->
                Manifests.parse(
                    "kind: Service\nmetadata: {name: a}\nspec:\n  template:\n"
                        + "    image: registry/safe:1\n    image: registry/evil:1\n"));
    assertEquals("image", yaml.errors().get(0).field());
    var json =
        assertThrows(
            ValidationException.class,
            () ->
                Manifests.parseAs(
                    "{\"kind\":\"Service\",\"kind\":\"Service\"}".getBytes(), Service.class));
    assertEquals("kind", json.errors().get(0).field());
  }

  @Test
  void refusesEnvValueWithLoneSurrogate() {
    Service s =
        (Service)
            Manifests.parse(
                "{\"kind\":\"Service\",\"metadata\":{\"name\":\"a\"},\"spec\":{\"template\":"
                    + "{\"image\":\"r/a:1\",\"env\":{\"A\":\"x\\udc00\",\"B\":\"\\ud83d\\ude00\"}}}}");
    var e = assertThrows(ValidationException.class, () -> ResourceValidator.validate(s));
    assertEquals(List.of("spec.template.env.A"), e.errors().stream().map(f -> f.field()).toList());
  }

  @Test
  void readsEveryDocumentOfMultiDocumentYaml() {
    List<Resource> all =
        Manifests.parseAll(
            """
            kind: Service
            metadata: {name: a}
            spec: {template: {image: busybox}}
            ---
            kind: Trigger
            metadata: {name: t}
            spec: {topic: orders, bootstrapServers: "127.0.0.1:9092", service: a}
            """);
    assertEquals(2, all.size());
    assertTrue(all.get(1) instanceof Trigger);
  }

  @Test
  void roundTripsThroughJsonAndYaml() {
    Service s =
        (Service)
            Manifests.parse(
                "kind: Service\nmetadata: {name: a}\nspec: {template: {image: busybox, env: {B: '1', A: '2'}}}");
    Service fromJson = (Service) Manifests.parse(Json.write(s));
    Service fromYaml = (Service) Manifests.parse(Json.writeYaml(s));
    assertEquals(s, fromJson);
    assertEquals(s, fromYaml);
    assertEquals(List.of("B", "A"), List.copyOf(fromJson.spec().template().env().keySet()));
  }

  @Test
  void defaultsMatchKnative() {
    ScalingSettings d = ScalingSettings.from(java.util.Map.of());
    assertEquals(Duration.ofSeconds(60), d.window());
    assertEquals(100, d.target());
    assertEquals(70, d.targetUtilizationPercent());
    assertEquals(200, d.panicThresholdPercent());
    assertEquals(10, d.panicWindowPercent());
    assertEquals(1, d.initialScale());
  }

  @Test
  void writesOnlyRecordComponentsSoStrictReadersAcceptWhatWeWrite() {
    Service s =
        (Service)
            Manifests.parse(
                "kind: Service\nmetadata: {name: a}\nspec: {template: {image: busybox},"
                    + " traffic: [{latestRevision: true, percent: 100}]}");
    var withStatus =
        s.withStatus(
            new dev.skiff.api.model.ServiceStatus(
                1L,
                "a-00001",
                "a-00001",
                "http://a.default.localhost",
                List.of(dev.skiff.api.model.TrafficTarget.revision("a-00001", 100)),
                List.of(dev.skiff.api.model.Condition.ready(true, null, null, null))));
    String json = Json.write(withStatus);
    assertEquals(withStatus, Manifests.parse(json));
    assertTrue(!json.contains("\"latest\"") && !json.contains("\"true\""), json);
  }
}
