package dev.skiff.controlplane.internal.resources;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Rollout;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficPolicy;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.controlplane.internal.rollout.RolloutState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Computes a service's status from its spec and its revisions (Knative semantics): the newest ready
 * revision, traffic with {@code latestRevision} resolved to a name, the URL, and a Ready condition.
 * A rollout in progress splits the latest targets between the old and the new revision ({@link
 * RolloutState}). A pure function of its inputs, so recomputing an unchanged service yields an
 * equal status and no write.
 */
public final class ServiceStatusResolver {
  private final String domain;

  public ServiceStatusResolver(String domain) {
    this.domain = domain;
  }

  /**
   * @param service the service with its spec and metadata (generation, name, namespace)
   * @param latestCreated the name of its newest revision
   * @param revisions the service's revisions that exist
   * @param previous the status stored before, whose condition times are kept when nothing changed
   */
  public ServiceStatus resolve(
      Service service,
      String latestCreated,
      List<Revision> revisions,
      ServiceStatus previous,
      Instant now) {
    Map<String, Revision> byName =
        revisions.stream()
            .collect(Collectors.toMap(r -> r.metadata().name(), Function.identity(), (a, b) -> b));
    int latestNumber = RevisionNaming.numberOf(latestCreated, revisions);
    String latestReady =
        revisions.stream()
            .filter(r -> r.spec().number() <= latestNumber)
            .filter(ServiceStatusResolver::isReady)
            .max(Comparator.comparingInt(r -> r.spec().number()))
            .map(r -> r.metadata().name())
            .orElse(null);
    String latest = latestReady != null ? latestReady : latestCreated;
    List<TrafficTarget> spec =
        service.spec().traffic().isEmpty()
            ? List.of(TrafficTarget.latest(100))
            : service.spec().traffic();
    Rollout rollout = rollout(service, spec, latestReady, byName, previous, now);
    List<TrafficTarget> traffic = new ArrayList<>();
    for (TrafficTarget t : spec) {
      if (t.isLatest()) {
        traffic.addAll(RolloutState.latestTargets(t, latest, rollout));
      } else {
        traffic.add(t);
      }
    }
    Condition ready = readiness(traffic, byName, previous, now);
    String ns = service.metadata().namespaceOrDefault();
    return new ServiceStatus(
        service.metadata().generation(),
        latestCreated,
        latestReady,
        "http://" + service.metadata().name() + "." + ns + "." + domain,
        traffic,
        List.of(ready),
        rollout);
  }

  /**
   * The service's gradual rollout after this resolve (see {@link RolloutState}): one starts when a
   * newer revision becomes ready while the latest targets serve an older ready one and the service
   * has a rollout duration.
   */
  private static Rollout rollout(
      Service service,
      List<TrafficTarget> spec,
      String latestReady,
      Map<String, Revision> byName,
      ServiceStatus previous,
      Instant now) {
    boolean routesLatest = spec.stream().anyMatch(t -> t.isLatest() && t.percentOrZero() > 0);
    Rollout before = previous == null ? null : previous.rollout();
    String serving = previous == null ? null : RolloutState.serving(previous.traffic());
    Revision servingRevision = serving == null ? null : byName.get(serving);
    Duration duration =
        routesLatest
            ? TrafficPolicy.of(service.metadata().annotations()).rolloutDuration()
            : Duration.ZERO;
    return RolloutState.next(
        before,
        serving,
        servingRevision != null && isReady(servingRevision),
        latestReady,
        duration,
        now);
  }

  private static Condition readiness(
      List<TrafficTarget> traffic,
      Map<String, Revision> byName,
      ServiceStatus previous,
      Instant now) {
    String status = "True";
    String reason = null;
    String message = null;
    for (TrafficTarget t : traffic) {
      Revision r = byName.get(t.revisionName());
      if (r == null) {
        status = "False";
        reason = "RevisionMissing";
        message = "traffic names revision " + t.revisionName() + ", which does not exist";
        break;
      }
      if (!isReady(r) && t.percentOrZero() > 0) {
        status = "Unknown";
        reason = "RevisionNotReady";
        message = "waiting for revision " + t.revisionName() + " to become ready";
      }
    }
    Instant since = now;
    if (previous != null) {
      for (Condition c : previous.conditions()) {
        if ("Ready".equals(c.type())
            && c.status().equals(status)
            && Objects.equals(c.reason(), reason)) {
          since = c.lastTransitionTime();
        }
      }
    }
    return new Condition("Ready", status, reason, message, since);
  }

  static boolean isReady(Revision r) {
    return r.status() != null
        && r.status().conditions().stream().anyMatch(c -> "Ready".equals(c.type()) && c.isTrue());
  }
}
