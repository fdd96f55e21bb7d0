package dev.skiff.controlplane.internal.events;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Rollout;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.controlplane.events.EventLog;
import dev.skiff.controlplane.events.EventNote;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Turns the change feed into events: a service created or deleted, a revision created, ready or
 * failed (with its condition's reason), a service's resolved traffic changed, a gradual rollout's
 * start, progress (one event updated in place), success or automatic rollback, a rollback (all
 * traffic moved to revisions older than the newest that took traffic before). It remembers the last
 * state of each resource to compare; {@link #replay} feeds it the state at start-up without
 * recording anything. Called one event at a time (the feed's guarantee).
 */
public final class ResourceChanges {
  private static final String SOURCE = "control-plane";

  private final EventLog log;
  // Only what the next change is compared with, not the records: with thousands of services a
  // whole copy of each service and revision was a few KiB each (docs/benchmarks.md, density).
  private final Map<String, ServiceSeen> services = new HashMap<>();
  private final Map<String, RevisionSeen> revisions = new HashMap<>();

  /** A service's last traffic and rollout. */
  private record ServiceSeen(List<TrafficTarget> traffic, Rollout rollout) {
    static ServiceSeen of(Service s) {
      return new ServiceSeen(ResourceChanges.traffic(s), ResourceChanges.rollout(s));
    }
  }

  /** A revision's last Ready condition, null when it had none. */
  private record RevisionSeen(Condition ready) {}

  public ResourceChanges(EventLog log) {
    this.log = log;
  }

  /** Remembers the state at start-up: what happened before is not an event now. */
  public synchronized void replay(ResourceEvent e) {
    remember(e);
  }

  /** Records what {@code e} changed. */
  public synchronized void onEvent(ResourceEvent e) {
    switch (e.kind()) {
      case Service.KIND -> service(e);
      case Revision.KIND -> revision(e);
      default -> {}
    }
    remember(e);
  }

  private void remember(ResourceEvent e) {
    boolean put = e.type() == ResourceEvent.Type.PUT;
    if (Service.KIND.equals(e.kind())) {
      if (put) {
        services.put(e.key(), ServiceSeen.of((Service) e.resource()));
      } else {
        services.remove(e.key());
      }
    } else if (Revision.KIND.equals(e.kind())) {
      if (put) {
        revisions.put(e.key(), new RevisionSeen(ready((Revision) e.resource())));
      } else {
        revisions.remove(e.key());
      }
    }
  }

  private void service(ResourceEvent e) {
    Service now = (Service) e.resource();
    ServiceSeen before = services.get(e.key());
    String ns = now.metadata().namespaceOrDefault();
    String name = now.metadata().name();
    if (e.type() == ResourceEvent.Type.DELETE) {
      log.record(
          EventNote.normal(
              ns,
              Service.KIND,
              name,
              name,
              "Deleted",
              "service deleted with its revisions",
              SOURCE));
      return;
    }
    if (before == null) {
      log.record(
          EventNote.normal(ns, Service.KIND, name, name, "Created", "service created", SOURCE));
    }
    List<TrafficTarget> was = before == null ? List.of() : before.traffic();
    List<TrafficTarget> is = traffic(now);
    boolean rolloutMoved =
        rollout(ns, name, before == null ? null : before.rollout(), rollout(now), is);
    if (!rolloutMoved && !is.isEmpty() && !was.isEmpty() && !split(was).equals(split(is))) {
      boolean rollback = newest(is) < newest(was);
      log.record(
          EventNote.normal(
              ns,
              Service.KIND,
              name,
              name,
              rollback ? "RolledBack" : "TrafficChanged",
              "traffic " + split(is) + " (was " + split(was) + ")",
              SOURCE));
    }
  }

  /**
   * Records what a rollout did between two states of a service; true when the traffic change (if
   * any) was the rollout's, so it needs no event of its own. Steps update one event in place.
   */
  private boolean rollout(String ns, String name, Rollout was, Rollout is, List<TrafficTarget> t) {
    if (is == null || is.equals(was)) {
      return false;
    }
    boolean same =
        was != null && is.to().equals(was.to()) && is.startedAt().equals(was.startedAt());
    if (is.isProgressing() && !same) {
      log.record(
          EventNote.normal(
              ns,
              Service.KIND,
              name,
              name,
              "RolloutStarted",
              "rolling out revision "
                  + is.to()
                  + " from "
                  + is.from()
                  + " over "
                  + is.durationSeconds()
                  + "s, starting at "
                  + is.percent()
                  + " %",
              SOURCE));
      return true;
    }
    if (!same || !was.isProgressing()) {
      return false;
    }
    if (is.isProgressing()) {
      log.update(
          EventNote.normal(
              ns,
              Service.KIND,
              name,
              name,
              "RolloutProgressing",
              "revision " + is.to() + " at " + is.percent() + " %: " + split(t),
              SOURCE));
    } else if (is.isRolledBack()) {
      log.record(
          EventNote.warning(
              ns,
              Service.KIND,
              name,
              name,
              "RolledBack",
              is.reason() + ": " + is.message(),
              SOURCE));
    } else {
      log.record(
          EventNote.normal(ns, Service.KIND, name, name, "RolloutSucceeded", is.message(), SOURCE));
    }
    return true;
  }

  private static Rollout rollout(Service s) {
    return s == null || s.status() == null ? null : s.status().rollout();
  }

  private void revision(ResourceEvent e) {
    Revision now = (Revision) e.resource();
    RevisionSeen before = revisions.get(e.key());
    String ns = now.metadata().namespaceOrDefault();
    String name = now.metadata().name();
    String service = now.spec().service();
    if (e.type() == ResourceEvent.Type.DELETE) {
      log.record(
          EventNote.normal(
              ns, Revision.KIND, name, service, "Deleted", "revision deleted", SOURCE));
      return;
    }
    if (before == null) {
      var t = now.spec().template();
      String what =
          t.image() != null
              ? "image " + t.image()
              : "Wasm module " + (t.wasm() == null ? "" : Objects.toString(t.wasm().digest(), ""));
      log.record(
          EventNote.normal(
              ns,
              Revision.KIND,
              name,
              service,
              "Created",
              "revision created from " + what,
              SOURCE));
    }
    Condition was = before == null ? null : before.ready();
    Condition is = ready(now);
    if (is == null || (was != null && was.status().equals(is.status()))) {
      return;
    }
    if (is.isTrue()) {
      log.record(
          EventNote.normal(
              ns, Revision.KIND, name, service, "RevisionReady", "revision is ready", SOURCE));
    } else if ("False".equals(is.status())) {
      log.record(
          EventNote.warning(
              ns,
              Revision.KIND,
              name,
              service,
              is.reason() == null ? "RevisionFailed" : is.reason(),
              is.message() == null ? "revision is not ready" : is.message(),
              SOURCE));
    }
  }

  private static Condition ready(Revision r) {
    if (r == null || r.status() == null) {
      return null;
    }
    return r.status().conditions().stream()
        .filter(c -> "Ready".equals(c.type()))
        .findFirst()
        .orElse(null);
  }

  private static List<TrafficTarget> traffic(Service s) {
    return s == null || s.status() == null ? List.of() : s.status().traffic();
  }

  /**
   * {@code hello-00002 90%, hello-00001 10% (tag old)}: only entries that take traffic or a tag.
   */
  static String split(List<TrafficTarget> traffic) {
    return traffic.stream()
        .filter(t -> t.percentOrZero() > 0 || t.tag() != null)
        .map(
            t ->
                t.revisionName()
                    + " "
                    + t.percentOrZero()
                    + "%"
                    + (t.tag() == null ? "" : " (tag " + t.tag() + ")"))
        .collect(Collectors.joining(", "));
  }

  /** The highest revision number that takes traffic; 0 if none. */
  private static int newest(List<TrafficTarget> traffic) {
    return traffic.stream()
        .filter(t -> t.percentOrZero() > 0 && t.revisionName() != null)
        .mapToInt(t -> number(t.revisionName()))
        .max()
        .orElse(0);
  }

  private static int number(String revision) {
    int dash = revision.lastIndexOf('-');
    try {
      return Integer.parseInt(revision.substring(dash + 1));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
