package dev.skiff.cli.internal;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Follows a service write to its revision: which revision the written template produced, and when
 * it is ready. Polls the control plane with a short interval until a deadline; never sleeps longer
 * than the time left.
 */
public final class Rollout {
  private final ControlPlane api;
  private final Clock clock;
  private final Duration interval;

  /** The reason of a node's image pull event, updated in place with the bytes so far. */
  private static final String PULLING = "Pulling";

  private ProgressLine progress = ProgressLine.NONE;
  private int polls;

  public Rollout(ControlPlane api, Clock clock, Duration interval) {
    this.api = api;
    this.clock = clock;
    this.interval = interval;
  }

  /** Where {@link #awaitReady} shows what the revision is doing; none by default. */
  public Rollout withProgress(ProgressLine p) {
    this.progress = p;
    return this;
  }

  /** Whether a write changed the template, so the control plane makes a new revision. */
  public static boolean templateChanged(Service before, Service written) {
    return before == null
        || before.spec() == null
        || written.spec() == null
        || !Objects.equals(before.spec().template(), written.spec().template());
  }

  /**
   * The revision made from the written template. With generations, that is the latest created
   * revision once the status has observed the written generation (Knative's rule); without, it is
   * the latest created one once it differs from the one before the write, if the template changed.
   */
  public String awaitRevisionName(Service before, Service written, Instant deadline) {
    String ns = written.metadata().namespaceOrDefault();
    String name = written.metadata().name();
    String old =
        before == null || before.status() == null
            ? null
            : before.status().latestCreatedRevisionName();
    boolean changed = templateChanged(before, written);
    Long generation = written.metadata().generation();
    Service s = written;
    while (true) {
      String revision = revisionOf(s, generation, changed, old);
      if (revision != null) {
        return revision;
      }
      pause(deadline, () -> "no revision of " + name + " was created", name);
      s = api.service(ns, name).value();
    }
  }

  /**
   * The revision made from the written template if the written service already tells, else null.
   */
  public static String knownRevision(Service before, Service written) {
    String old =
        before == null || before.status() == null
            ? null
            : before.status().latestCreatedRevisionName();
    return revisionOf(
        written, written.metadata().generation(), templateChanged(before, written), old);
  }

  private static String revisionOf(Service s, Long generation, boolean changed, String old) {
    ServiceStatus st = s.status();
    String latest = st == null ? null : st.latestCreatedRevisionName();
    if (latest == null) {
      return null;
    } else if (generation != null && st.observedGeneration() != null) {
      return st.observedGeneration() >= generation ? latest : null;
    }
    return !changed || !latest.equals(old) ? latest : null;
  }

  /**
   * Waits until the revision's Ready condition is True; False or the deadline end the wait with an
   * error.
   */
  public Revision awaitReady(String ns, String service, String revision, Instant deadline) {
    try {
      return awaitReadyShowing(ns, service, revision, deadline);
    } finally {
      progress.end();
    }
  }

  private Revision awaitReadyShowing(String ns, String service, String revision, Instant deadline) {
    Condition last = null;
    String event = null;
    while (true) {
      if (progress != ProgressLine.NONE && polls++ % 5 == 0) {
        event = lastEvent(ns, revision, event);
      }
      Optional<Revision> r = api.findRevision(ns, revision);
      progress.show(phase(revision, r.flatMap(x -> Conditions.ready(Conditions.of(x))), event));
      if (r.isPresent()) {
        Optional<Condition> ready = Conditions.ready(Conditions.of(r.get()));
        if (ready.isPresent()) {
          last = ready.get();
          if (last.isTrue()) {
            return r.get();
          }
          if ("False".equals(last.status())) {
            throw new RevisionNotReadyException(
                "revision " + revision + " failed: " + describe(last),
                "fix the template and deploy again; traffic still goes to the revisions that served"
                    + " before");
          }
        }
      }
      Condition seen = last;
      pause(
          deadline,
          () ->
              "revision "
                  + revision
                  + " is not ready"
                  + (seen == null ? "" : " (last seen: " + describe(seen) + ")"),
          service);
    }
  }

  /**
   * The service once its status has caught up with {@code revision}, which is ready: the control
   * plane records a revision's readiness first and recomputes the service's status after, so for a
   * moment the service still names an older revision as latest ready and routes {@code @latest}
   * there. At the deadline it returns what it read last: the revision is ready either way.
   */
  public Reply<Service> awaitServiceStatus(
      String ns, String service, String revision, Instant deadline) {
    int number = Revisions.numberOf(revision);
    while (true) {
      Reply<Service> s = api.service(ns, service);
      ServiceStatus st = s.value().status();
      String latestReady = st == null ? null : st.latestReadyRevisionName();
      boolean caughtUp = latestReady != null && Revisions.numberOf(latestReady) >= number;
      if (caughtUp || !sleep(deadline)) {
        return s;
      }
    }
  }

  /** What the revision is doing, for the progress line. */
  private static String phase(String revision, Optional<Condition> ready, String event) {
    String state =
        ready
            .map(
                c ->
                    c.isTrue() ? "ready" : c.reason() == null ? "Ready " + c.status() : describe(c))
            .orElse("waiting for the node");
    return revision + ": " + (event != null ? event : state);
  }

  /**
   * The revision's newest event as {@code Reason: message} (a {@code Pulling} event's message
   * alone), or {@code fallback}: none yet, or a control plane without events.
   */
  private String lastEvent(String ns, String revision, String fallback) {
    try {
      List<dev.skiff.api.event.Event> events = api.events(ns, revision).value();
      if (events.isEmpty()) {
        return fallback;
      }
      dev.skiff.api.event.Event e = events.get(events.size() - 1);
      // A pull's message says it all: "pulling IMAGE: 12.3 MiB of 45.6 MiB (3 of 5 layers)".
      return PULLING.equals(e.reason()) ? e.message() : e.reason() + ": " + e.message();
    } catch (CliException e) {
      return fallback;
    }
  }

  private void pause(Instant deadline, Supplier<String> timeoutMessage, String service) {
    if (!sleep(deadline)) {
      throw new RevisionNotReadyException(
          timeoutMessage.get() + " within the wait timeout",
          "look at it with 'skiff describe "
              + service
              + "'; raise --wait-timeout or pass --no-wait");
    }
  }

  /** Waits one poll interval, or what is left of it before the deadline; false if none is left. */
  private boolean sleep(Instant deadline) {
    Duration left = Duration.between(clock.instant(), deadline);
    if (left.isNegative() || left.isZero()) {
      return false;
    }
    try {
      Thread.sleep(Math.max(1, Math.min(interval.toMillis(), left.toMillis())));
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted while waiting", null);
    }
  }

  private static String describe(Condition c) {
    String reason = c.reason() == null ? "" : c.reason();
    String message = c.message() == null ? "" : c.message();
    String both =
        reason.isEmpty() || message.isEmpty() ? reason + message : reason + ": " + message;
    return both.isEmpty() ? "Ready " + c.status() : both;
  }
}
