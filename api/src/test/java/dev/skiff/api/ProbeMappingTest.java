package dev.skiff.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.manifest.Manifests;
import dev.skiff.api.model.Probe;
import dev.skiff.api.model.Service;
import dev.skiff.api.validation.ResourceValidator;
import dev.skiff.api.validation.ValidationException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Knative's readinessProbe and livenessProbe on the one container, mapped and checked. */
class ProbeMappingTest {
  static Service service(String probes) {
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
                .formatted(probes.indent(10)));
  }

  @Test
  void knativeProbesAreMappedWithTheirTiming() {
    Service s =
        service(
            """
            readinessProbe:
              httpGet:
                path: /healthz
                httpHeaders: [{name: X-Probe, value: ready}]
              periodSeconds: 1
            livenessProbe:
              exec: {command: [cat, /tmp/healthy]}
              initialDelaySeconds: 3
              failureThreshold: 2
            """);
    ResourceValidator.validate(s);
    Probe r = s.spec().template().readinessProbe();
    assertEquals("/healthz", r.httpGet().path());
    assertEquals(List.of(new Probe.Header("X-Probe", "ready")), r.httpGet().httpHeaders());
    assertEquals(1, r.periodOrDefault());
    Probe l = s.spec().template().livenessProbe();
    assertEquals(List.of("cat", "/tmp/healthy"), l.exec().command());
    assertEquals(3, l.initialDelayOrDefault());
    assertEquals(2, l.failureThresholdOrDefault());
    assertEquals(1, l.timeoutOrDefault());
  }

  @Test
  void grpcProbesAreMappedWithPortAndService() {
    Service s =
        service(
            """
            ports: [{name: h2c, containerPort: 8080}]
            readinessProbe:
              grpc: {port: 8080}
            livenessProbe:
              grpc: {service: ping.PingService}
              periodSeconds: 2
            """);
    ResourceValidator.validate(s);
    Probe r = s.spec().template().readinessProbe();
    assertEquals(new Probe.Grpc(8080, null), r.grpc());
    assertEquals("", r.grpc().serviceOrDefault());
    assertEquals(null, r.httpGet());
    Probe l = s.spec().template().livenessProbe();
    assertEquals(new Probe.Grpc(null, "ping.PingService"), l.grpc());
    assertEquals(2, l.periodOrDefault());
  }

  @Test
  void grpcProbeFieldsAreCheckedByPath() {
    var unknown =
        assertThrows(
            ValidationException.class,
            () -> service("readinessProbe: {grpc: {port: 8080, tls: true}}"));
    assertEquals(
        "spec.template.spec.containers[0].readinessProbe.grpc.tls",
        unknown.errors().get(0).field());
    assertTrue(unknown.errors().get(0).hint().contains("[port, service]"), unknown.getMessage());
    var notText =
        assertThrows(
            ValidationException.class, () -> service("livenessProbe: {grpc: {service: 7}}"));
    assertEquals(
        "spec.template.spec.containers[0].livenessProbe.grpc.service",
        notText.errors().get(0).field());

    Service bad =
        service(
            """
            readinessProbe: {grpc: {port: 70000, service: "a\\nb"}}
            livenessProbe: {grpc: {port: 9090}}
            """);
    var e = assertThrows(ValidationException.class, () -> ResourceValidator.validate(bad));
    assertEquals(
        List.of(
            "spec.template.readinessProbe.grpc.port",
            "spec.template.readinessProbe.grpc.service",
            "spec.template.livenessProbe.grpc.port"),
        e.errors().stream().map(f -> f.field()).toList());
    assertTrue(e.errors().get(0).message().contains("1 to 65535"), e.getMessage());
    assertTrue(e.errors().get(2).message().contains("serving port 8080"), e.getMessage());

    Service two = service("readinessProbe: {grpc: {}, tcpSocket: {}}");
    var both = assertThrows(ValidationException.class, () -> ResourceValidator.validate(two));
    assertTrue(both.errors().get(0).message().contains("httpGet, tcpSocket, grpc or exec"));
  }

  @Test
  void aGrpcProbeOnAWasmServiceIsRefusedLikeEveryProbe() {
    Service wasm =
        (Service)
            Manifests.parse(
                "kind: Service\nmetadata: {name: a}\nspec: {template: {wasm: {digest: 'sha256:"
                    + "a".repeat(64)
                    + "'}, readinessProbe: {grpc: {}}}}");
    var e = assertThrows(ValidationException.class, () -> ResourceValidator.validate(wasm));
    assertEquals("spec.template.readinessProbe", e.errors().get(0).field());
    assertTrue(e.errors().get(0).message().contains("containers only"), e.getMessage());
  }

  @Test
  void startupProbesAndOtherPortsAreRefusedByPath() {
    var startup =
        assertThrows(
            ValidationException.class, () -> service("startupProbe: {grpc: {port: 8080}}"));
    assertEquals("spec.template.spec.containers[0].startupProbe", startup.errors().get(0).field());
    Service other = service("livenessProbe: {tcpSocket: {port: 9090}}");
    var port = assertThrows(ValidationException.class, () -> ResourceValidator.validate(other));
    assertEquals("spec.template.livenessProbe.tcpSocket.port", port.errors().get(0).field());
    assertTrue(port.errors().get(0).message().contains("serving port 8080"));
  }

  @Test
  void timingIsCheckedAsKubernetesDoes() {
    Service s =
        service(
            """
            readinessProbe: {httpGet: {path: /}, tcpSocket: {}, periodSeconds: 0}
            livenessProbe: {tcpSocket: {}, periodSeconds: 0, successThreshold: 2}
            """);
    var e = assertThrows(ValidationException.class, () -> ResourceValidator.validate(s));
    var fields = e.errors().stream().map(f -> f.field()).toList();
    assertEquals(
        List.of(
            "spec.template.readinessProbe",
            "spec.template.livenessProbe.periodSeconds",
            "spec.template.livenessProbe.successThreshold"),
        fields);
  }
}
