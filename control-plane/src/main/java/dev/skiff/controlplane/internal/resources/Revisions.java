package dev.skiff.controlplane.internal.resources;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Resource;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionSpec;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.ScalingSettings;
import dev.skiff.api.model.Service;
import dev.skiff.controlplane.ConflictException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** How revisions are made from services, and small rules shared by the writers. */
final class Revisions {
  /** The label every revision carries naming its service. */
  static final String SERVICE_LABEL = "skiff.dev/service";

  private Revisions() {}

  /** A new revision, not yet reported ready by any node. */
  static Revision create(
      String ns, String service, String name, int number, RevisionTemplate t, Instant now) {
    ObjectMeta meta =
        new ObjectMeta(
            name,
            ns,
            null,
            1L,
            UUID.randomUUID().toString(),
            now,
            Map.of(SERVICE_LABEL, service),
            null);
    RevisionStatus status =
        new RevisionStatus(
            null,
            null,
            null,
            List.of(
                new Condition(
                    "Ready", "Unknown", "Deploying", "no node has reported it ready yet", now)));
    return Revision.of(meta, new RevisionSpec(service, number, t)).withStatus(status);
  }

  /**
   * The template a revision is made of: the service's own, plus the service-level {@code
   * autoscaling.knative.dev/*} annotations it does not override. A change to either makes a
   * revision.
   */
  static RevisionTemplate effectiveTemplate(Service s) {
    RevisionTemplate t = s.spec().template();
    Map<String, String> merged = new HashMap<>();
    s.metadata()
        .annotations()
        .forEach(
            (k, v) -> {
              if (k.startsWith(ScalingSettings.PREFIX)) {
                merged.put(k, v);
              }
            });
    merged.putAll(t.annotations());
    return t.withAnnotations(merged);
  }

  /** The revisions of {@code service} among those a key-prefix listing returned. */
  static List<Revision> of(List<Revision> revisions, String service) {
    return revisions.stream().filter(r -> service.equals(r.spec().service())).toList();
  }

  /** The answer to a write that names a resourceVersion other than the stored one. */
  static ConflictException stale(long expected, Resource current) {
    return new ConflictException(
        "resourceVersion "
            + expected
            + " is stale; "
            + current.kind()
            + " "
            + current.metadata().name()
            + " is at "
            + current.metadata().resourceVersion(),
        "GET it again, apply your change to that version, and send it with its metadata.resourceVersion");
  }
}
