package dev.skiff.node.internal;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.node.spi.StatusReporter;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns the agent's book of a revision into its status (the {@code Ready} condition, the
 * autoscaler's decision, {@code ResourcesAvailable} when the node is full) and sends it, one report
 * at a time per revision and only when it changed. Called on the agent's context.
 */
public final class StatusReports {
  private static final System.Logger LOG = System.getLogger(StatusReports.class.getName());

  private final StatusReporter reporter;
  private final Clock clock;

  public StatusReports(StatusReporter reporter, Clock clock) {
    this.reporter = reporter;
    this.clock = clock;
  }

  /** Reports the revision's state as its book has it now. */
  public void report(RevisionInstances r) {
    if (r.isDeleted()) {
      return; // nothing left to report on: the control plane deleted the revision
    }
    RevisionStatus last = r.lastReported() != null ? r.lastReported() : r.revision().status();
    List<Condition> conditions = new ArrayList<>(4);
    conditions.add(keepTime(ready(r), find(last, "Ready")));
    if (r.decision() != null) {
      conditions.add(r.decision());
    }
    if (r.lastRestart() != null) {
      // Kubernetes shows a pod's restarts and why the last one happened; this is that.
      conditions.add(
          keepTime(
              new Condition(
                  "InstancesRestarted",
                  "True",
                  r.lastRestart().reason(),
                  r.restartCount()
                      + (r.restartCount() == 1 ? " restart" : " restarts")
                      + "; the last: "
                      + r.lastRestart().message(),
                  clock.instant()),
              find(last, "InstancesRestarted")));
    }
    if (r.capacityShortfall() != null) {
      conditions.add(
          keepTime(
              new Condition(
                  "ResourcesAvailable",
                  "False",
                  "InsufficientCapacity",
                  r.capacityShortfall(),
                  clock.instant()),
              find(last, "ResourcesAvailable")));
    }
    String digest =
        r.imageDigest() != null ? r.imageDigest() : last == null ? null : last.imageDigest();
    RevisionStatus status = new RevisionStatus(digest, r.desired(), r.readyCount(), conditions);
    if (status.equals(last)) {
      return;
    }
    r.lastReported(status);
    // In order: a late "starting" must not overwrite "ready".
    String ns = r.namespace();
    String name = r.name();
    r.reports(
        r.reports()
            .transform(
                x ->
                    reporter
                        .report(ns, name, status)
                        .onFailure(
                            err ->
                                LOG.log(
                                    Level.WARNING,
                                    "cannot report status of {0}: {1}",
                                    name,
                                    err.getMessage()))));
  }

  /**
   * Ready is True with a ready instance, or at zero after it served; False after its only instances
   * ended by themselves, once starts failed for good, or when nothing fits on the node; Unknown
   * while the first instance is on its way, saying why when a start already failed.
   */
  private Condition ready(RevisionInstances r) {
    var now = clock.instant();
    if (r.readyCount() > 0) {
      return Condition.ready(true, null, null, now);
    }
    if (r.failed() != null) {
      return Condition.ready(false, r.failed().reason(), r.failed().message(), now);
    }
    if (r.capacityShortfall() != null && r.desired() > 0 && r.instances().isEmpty()) {
      return Condition.ready(false, "InsufficientCapacity", r.capacityShortfall(), now);
    }
    if (r.lastExit() != null) {
      return Condition.ready(false, r.lastExit().reason(), r.lastExit().message(), now);
    }
    if (r.everReady()) {
      return Condition.ready(true, null, null, now); // at zero, or restarting
    }
    if (r.lastStartFailure() != null) {
      return new Condition(
          "Ready",
          "Unknown",
          r.lastStartFailure().reason(),
          "retrying after a failed start: " + r.lastStartFailure().message(),
          now);
    }
    return new Condition("Ready", "Unknown", "Deploying", "waiting for the first instance", now);
  }

  /** The previous condition when nothing but its time would change, so reports do not churn. */
  private static Condition keepTime(Condition next, Condition previous) {
    return previous != null
            && next.status().equals(previous.status())
            && Objects.equals(next.reason(), previous.reason())
            && Objects.equals(next.message(), previous.message())
        ? previous
        : next;
  }

  private static Condition find(RevisionStatus s, String type) {
    return s == null
        ? null
        : s.conditions().stream().filter(c -> type.equals(c.type())).findFirst().orElse(null);
  }
}
