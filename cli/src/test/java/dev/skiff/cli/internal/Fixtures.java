package dev.skiff.cli.internal;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionSpec;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.api.model.WasmModule;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Resources as the control plane would return them. */
final class Fixtures {
  static final Instant CREATED = Instant.parse("2025-01-10T00:00:00Z");
  static final RevisionTemplate WASM =
      new RevisionTemplate(
          null,
          WasmModule.ofDigest("sha256:" + "a".repeat(64)),
          Map.of("A", "1"),
          null,
          null,
          null,
          null,
          null);

  private Fixtures() {}

  static Service service(
      String name, List<TrafficTarget> spec, List<TrafficTarget> status, String latestReady) {
    ObjectMeta meta = new ObjectMeta(name, "default", 7L, 2L, "uid", CREATED, null, null);
    ServiceStatus st =
        new ServiceStatus(
            2L,
            latestReady,
            latestReady,
            "http://" + name + ".default.localhost",
            status,
            List.of(Condition.ready(true, null, null, CREATED)));
    return new Service(Service.API_VERSION, Service.KIND, meta, new ServiceSpec(WASM, spec), st);
  }

  static Revision revision(String service, int number, boolean ready) {
    String name = Revision.nameFor(service, number);
    Condition c =
        ready
            ? Condition.ready(true, null, null, CREATED)
            : new Condition("Ready", "Unknown", "Starting", null, CREATED);
    return Revision.of(
            new ObjectMeta(name, "default", null, null, null, CREATED, null, null),
            new RevisionSpec(service, number, WASM))
        .withStatus(new RevisionStatus(null, 1, ready ? 1 : 0, List.of(c)));
  }

  /** A ready revision made with these template annotations and reporting these instances. */
  static Revision scaled(
      String service, int number, Map<String, String> annotations, Integer ready, Integer desired) {
    Revision r = revision(service, number, true);
    return Revision.of(
            r.metadata(), new RevisionSpec(service, number, WASM.withAnnotations(annotations)))
        .withStatus(new RevisionStatus(null, desired, ready, r.status().conditions()));
  }

  static TrafficTarget resolvedLatest(String rev, int percent) {
    return new TrafficTarget(rev, true, percent, null);
  }
}
