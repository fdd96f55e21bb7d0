package dev.skiff.controlplane.internal.rollout;

import dev.skiff.api.model.Rollout;
import dev.skiff.api.model.TrafficTarget;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * How a service's rollout moves each time its status is resolved, and how the latest traffic
 * targets split while it runs. Pure: the same inputs give the same rollout, so re-resolving an
 * unchanged service writes nothing.
 */
public final class RolloutState {
  private RolloutState() {}

  /**
   * The rollout after a resolve at {@code now}.
   *
   * @param previous the stored rollout, or null
   * @param serving the revision the latest targets served before this resolve (the one with the
   *     larger share during a rollout); null when they served none
   * @param servingReady whether {@code serving} is ready
   * @param latestReady the newest ready revision; null when none is
   * @param duration the service's rollout duration; zero turns rollouts off
   */
  public static Rollout next(
      Rollout previous,
      String serving,
      boolean servingReady,
      String latestReady,
      Duration duration,
      Instant now) {
    if (latestReady == null) {
      return previous;
    }
    if (previous != null && latestReady.equals(previous.to())) {
      return previous.isProgressing() ? advance(previous, now) : previous;
    }
    if (duration.isZero() || serving == null || !servingReady || serving.equals(latestReady)) {
      // Nothing to roll out from, or rollouts are off: the latest targets follow latestReady.
      return previous == null || previous.isProgressing() ? null : previous;
    }
    RolloutSchedule schedule = new RolloutSchedule(now, duration);
    return new Rollout(
        serving,
        latestReady,
        RolloutSchedule.FIRST_PERCENT,
        Rollout.PROGRESSING,
        now,
        schedule.nextStepAfter(now),
        duration.toSeconds() > 0 ? duration.toSeconds() : 1,
        null,
        null,
        null);
  }

  private static Rollout advance(Rollout r, Instant now) {
    RolloutSchedule schedule = schedule(r);
    int percent = schedule.percentAt(now);
    if (percent >= 100) {
      return new Rollout(
          r.from(),
          r.to(),
          100,
          Rollout.SUCCEEDED,
          r.startedAt(),
          null,
          r.durationSeconds(),
          "RolloutComplete",
          "revision " + r.to() + " took all of the latest traffic in " + r.durationSeconds() + "s",
          schedule.end());
    }
    return new Rollout(
        r.from(),
        r.to(),
        percent,
        Rollout.PROGRESSING,
        r.startedAt(),
        schedule.nextStepAfter(now),
        r.durationSeconds(),
        null,
        null,
        null);
  }

  /** The schedule a stored rollout follows. */
  public static RolloutSchedule schedule(Rollout r) {
    long seconds = r.durationSeconds() == null ? 1 : Math.max(1, r.durationSeconds());
    return new RolloutSchedule(r.startedAt(), Duration.ofSeconds(seconds));
  }

  /**
   * The status entries for one {@code latestRevision} target of the spec: the latest revision's
   * whole percent, or during a rollout the split between {@code from} and {@code to} (the tag stays
   * with {@code to}), or after a rollback all of it on {@code from}.
   */
  public static List<TrafficTarget> latestTargets(TrafficTarget t, String latest, Rollout r) {
    int total = t.percentOrZero();
    if (r != null && latest != null && latest.equals(r.to())) {
      if (r.isRolledBack()) {
        return List.of(new TrafficTarget(r.from(), true, total, t.tag()));
      }
      if (r.isProgressing() && total > 0) {
        int toShare = Math.max(1, total * r.percent() / 100);
        List<TrafficTarget> out = new ArrayList<>(2);
        if (total - toShare > 0) {
          out.add(new TrafficTarget(r.from(), true, total - toShare, null));
        }
        out.add(new TrafficTarget(r.to(), true, toShare, t.tag()));
        return out;
      }
    }
    return List.of(new TrafficTarget(latest, true, t.percent(), t.tag()));
  }

  /**
   * The revision that the latest targets of {@code traffic} (a resolved status's) send most of
   * their traffic to; null when there is none.
   */
  public static String serving(List<TrafficTarget> traffic) {
    String best = null;
    int share = -1;
    for (TrafficTarget t : traffic) {
      if (t.isLatest() && t.revisionName() != null && t.percentOrZero() > share) {
        best = t.revisionName();
        share = t.percentOrZero();
      }
    }
    return best;
  }
}
