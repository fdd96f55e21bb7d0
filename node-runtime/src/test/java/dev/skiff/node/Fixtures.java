package dev.skiff.node;

import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Resource;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionSpec;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.api.model.WasmModule;
import dev.skiff.api.watch.ResourceEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Resources and feed events for the agent's unit tests, and a deadline poll. */
public final class Fixtures {
  private Fixtures() {}

  public static Revision revision(String service, int n) {
    return revision(service, n, null);
  }

  public static Revision revision(String service, int n, String memory) {
    RevisionTemplate t =
        new RevisionTemplate(
            null,
            new WasmModule("sha256:" + "a".repeat(64), null, null),
            Map.of(),
            8080,
            null,
            null,
            memory == null ? null : new dev.skiff.api.model.Resources(memory, null),
            Map.of());
    return Revision.of(
        ObjectMeta.of("default", Revision.nameFor(service, n)), new RevisionSpec(service, n, t));
  }

  /** The service as the control plane writes it: all traffic on {@code revision}. */
  public static Service service(String name, String revision, String readyCondition) {
    ServiceStatus status =
        new ServiceStatus(
            1L,
            revision,
            null,
            "http://" + name + ".default.localhost",
            List.of(TrafficTarget.revision(revision, 100)),
            List.of(
                new dev.skiff.api.model.Condition(
                    "Ready", readyCondition, null, null, java.time.Instant.EPOCH)));
    return Service.of(ObjectMeta.of("default", name), new ServiceSpec(null, List.of()))
        .withStatus(status);
  }

  public static ResourceEvent put(Resource r) {
    String kind = r instanceof Service ? Service.KIND : Revision.KIND;
    return new ResourceEvent(
        ResourceEvent.Type.PUT,
        kind,
        "/skiff/" + kind.toLowerCase(java.util.Locale.ROOT) + "s/default/" + r.metadata().name(),
        1,
        Json.mapper().valueToTree(r));
  }

  public static ResourceEvent delete(Resource r) {
    ResourceEvent p = put(r);
    return new ResourceEvent(ResourceEvent.Type.DELETE, p.kind(), p.key(), 2, p.object());
  }

  public static String readyOf(RevisionStatus s) {
    return s == null
        ? null
        : s.conditions().stream()
            .filter(c -> "Ready".equals(c.type()))
            .map(c -> c.status() + (c.reason() == null ? "" : "/" + c.reason()))
            .findFirst()
            .orElse(null);
  }

  /** Polls until {@code done} or fails after 30 s (the agent runs on a loaded machine in CI). */
  public static void await(String what, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }
}
