package dev.skiff.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.manifest.Manifests;
import dev.skiff.api.model.ConfigMap;
import dev.skiff.api.model.EnvSource;
import dev.skiff.api.model.Secret;
import dev.skiff.api.model.Service;
import dev.skiff.api.validation.ConfigValidator;
import dev.skiff.api.validation.ResourceValidator;
import dev.skiff.api.validation.ValidationException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Knative's env from secrets and config maps, and Kubernetes' v1 Secret and ConfigMap. */
class KnativeEnvMappingTest {
  static Service service(String env) {
    return (Service)
        Manifests.parse(
            """
            apiVersion: serving.knative.dev/v1
            kind: Service
            metadata: {name: web}
            spec:
              template:
                spec:
                  containers:
                    - image: 127.0.0.1:5000/web:1
            %s
            """
                .formatted(env.indent(10)));
  }

  @Test
  void secretKeyRefConfigMapKeyRefAndEnvFromAreMapped() {
    Service s =
        service(
            """
            env:
              - {name: MODE, value: fast}
              - name: DB_PASSWORD
                valueFrom: {secretKeyRef: {name: db, key: password}}
              - name: LEVEL
                valueFrom: {configMapKeyRef: {name: settings, key: level, optional: true}}
            envFrom:
              - secretRef: {name: api}
                prefix: API_
              - configMapRef: {name: settings}
            """);
    ResourceValidator.validate(s);
    var t = s.spec().template();
    assertEquals(Map.of("MODE", "fast"), t.env());
    assertEquals(EnvSource.secretKey("db", "password"), t.envValueFrom().get("DB_PASSWORD"));
    assertEquals(
        new EnvSource(null, "settings", "level", null, true), t.envValueFrom().get("LEVEL"));
    assertEquals(
        List.of(
            new EnvSource("api", null, null, "API_", null),
            new EnvSource(null, "settings", null, null, null)),
        t.envFrom());
  }

  @Test
  void fieldRefAndBothValueAndValueFromAreRefusedByPath() {
    var e =
        assertThrows(
            ValidationException.class,
            () ->
                service(
                    """
                    env:
                      - name: NODE
                        valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
                    """));
    assertEquals(
        "spec.template.spec.containers[0].env[0].valueFrom.fieldRef", e.errors().get(0).field());
    var both =
        assertThrows(
            ValidationException.class,
            () ->
                service(
                    """
                    env:
                      - name: X
                        value: a
                        valueFrom: {secretKeyRef: {name: db, key: k}}
                    """));
    assertEquals("spec.template.spec.containers[0].env[0]", both.errors().get(0).field());
  }

  @Test
  void badReferencesAreRefusedWithTheirFields() {
    Service s =
        service(
            """
            env:
              - name: X
                valueFrom: {secretKeyRef: {name: Bad_Name, key: "a/b"}}
            """);
    var e = assertThrows(ValidationException.class, () -> ResourceValidator.validate(s));
    var fields = e.errors().stream().map(f -> f.field()).toList();
    assertTrue(fields.contains("spec.template.envValueFrom.X.secret"), fields.toString());
    assertTrue(fields.contains("spec.template.envValueFrom.X.key"), fields.toString());
  }

  @Test
  void kubernetesSecretAndConfigMapAreRead() {
    Secret s =
        (Secret)
            Manifests.parse(
                """
                apiVersion: v1
                kind: Secret
                metadata: {name: db}
                type: Opaque
                data: {token: dG9r}
                stringData: {password: hunter2}
                """);
    ConfigValidator.validate(s);
    assertEquals("tok", new String(ConfigValidator.values(s).get("token")));
    assertFalse(s.toString().contains("hunter2"), s.toString());
    ConfigMap c =
        (ConfigMap)
            Manifests.parse(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {MODE: fast}\n");
    ConfigValidator.validate(c);
    assertEquals(Map.of("MODE", "fast"), c.data());
    var other =
        assertThrows(
            ValidationException.class,
            () -> Manifests.parse("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"));
    assertEquals("kind", other.errors().get(0).field());
  }
}
