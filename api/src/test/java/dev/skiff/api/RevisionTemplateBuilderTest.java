package dev.skiff.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.skiff.api.model.EnvSource;
import dev.skiff.api.model.Probe;
import dev.skiff.api.model.Resources;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.WasmModule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RevisionTemplateBuilderTest {
  private static final Probe READY =
      new Probe(null, new Probe.TcpSocket(8080), null, null, 1, 2, 3, 1, 3);
  private static final Probe LIVE =
      new Probe(new Probe.HttpGet("/healthz", null, null), null, null, null, 5, 10, 1, 1, 3);

  /** Every field set, each to a value of its own. */
  private static RevisionTemplate full() {
    return RevisionTemplate.builder()
        .image("127.0.0.1:5000/hello:1")
        .env(Map.of("A", "1"))
        .port(9090)
        .containerConcurrency(4)
        .timeoutSeconds(30)
        .resources(new Resources("128Mi", "500m"))
        .annotations(Map.of("autoscaling.knative.dev/target", "10"))
        .name("hello-blue")
        .envValueFrom(Map.of("TOKEN", EnvSource.secretKey("creds", "token")))
        .envFrom(List.of(new EnvSource(null, "settings", null, "S_", true)))
        .readinessProbe(READY)
        .livenessProbe(LIVE)
        .allowedHosts(List.of("example.com"))
        .build();
  }

  @Test
  void aBuilderFromATemplateBuildsTheSameTemplate() {
    RevisionTemplate t = full();
    assertEquals(t, t.toBuilder().build());
    assertEquals(
        new RevisionTemplate(
            t.image(),
            t.wasm(),
            t.env(),
            t.port(),
            t.containerConcurrency(),
            t.timeoutSeconds(),
            t.resources(),
            t.annotations(),
            t.name(),
            t.envValueFrom(),
            t.envFrom(),
            t.readinessProbe(),
            t.livenessProbe(),
            t.allowedHosts()),
        t);
  }

  @Test
  void eachWitherChangesItsFieldOnly() {
    RevisionTemplate t = full();
    WasmModule module = new WasmModule("sha256:" + "a".repeat(64), null, null);
    assertEquals(t.toBuilder().wasm(module).build(), t.withWasm(module));
    assertEquals(t.toBuilder().name("hello-green").build(), t.withName("hello-green"));
    assertEquals(t.toBuilder().env(Map.of("B", "2")).build(), t.withEnv(Map.of("B", "2")));
    assertEquals(
        t.toBuilder().annotations(Map.of("k", "v")).build(), t.withAnnotations(Map.of("k", "v")));
    assertEquals(
        t.toBuilder().allowedHosts(List.of("a.example")).build(),
        t.withAllowedHosts(List.of("a.example")));
    assertEquals(t.readinessProbe(), t.withName(null).readinessProbe());
    assertEquals(t.livenessProbe(), t.withEnv(Map.of()).livenessProbe());
    assertEquals(t.envFrom(), t.withAllowedHosts(List.of()).envFrom());
  }

  @Test
  void anEmptyBuilderLeavesEveryDefaultToTheTemplate() {
    RevisionTemplate t = RevisionTemplate.builder().image("hello").build();
    assertNull(t.port());
    assertEquals(RevisionTemplate.DEFAULT_PORT, t.portOrDefault());
    assertEquals(Map.of(), t.env());
    assertEquals(List.of(), t.allowedHosts());
  }
}
