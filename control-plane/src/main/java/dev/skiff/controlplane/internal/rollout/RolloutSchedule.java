package dev.skiff.controlplane.internal.rollout;

import java.time.Duration;
import java.time.Instant;

/**
 * Knative's rollout-duration steps: the new revision takes 1 % at the start, then the remaining 99
 * % in equal steps, the last of which (100 %) falls at the end of the duration. There are as many
 * steps as whole seconds in the duration, at most 99 (one percent each) and at least one. A pure
 * function of the start, the duration and the time asked about.
 */
public record RolloutSchedule(Instant start, Duration duration) {
  /** The first share, Knative's. */
  public static final int FIRST_PERCENT = 1;

  static final int MAX_STEPS = 99;

  public RolloutSchedule {
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("a rollout lasts longer than zero, got " + duration);
    }
  }

  /** How many steps follow the first 1 %. */
  public int steps() {
    long seconds = duration.toSeconds();
    return (int) Math.max(1, Math.min(MAX_STEPS, seconds));
  }

  /** The step reached at {@code now}: 0 at the start, {@link #steps()} at the end and after. */
  public int stepAt(Instant now) {
    long elapsed = Duration.between(start, now).toNanos();
    if (elapsed <= 0) {
      return 0;
    }
    if (elapsed >= duration.toNanos()) {
      return steps();
    }
    return (int) (elapsed * steps() / duration.toNanos());
  }

  /** The new revision's percent at {@code now}: 1 until the first step, then up to 100. */
  public int percentAt(Instant now) {
    int k = stepAt(now);
    return k == 0 ? FIRST_PERCENT : FIRST_PERCENT + (100 - FIRST_PERCENT) * k / steps();
  }

  /** When the step after the one reached at {@code now} comes; null once at 100 %. */
  public Instant nextStepAfter(Instant now) {
    int k = stepAt(now);
    return k >= steps() ? null : stepTime(k + 1);
  }

  /** The end of the rollout: the last step. */
  public Instant end() {
    return start.plus(duration);
  }

  private Instant stepTime(int k) {
    // Rounded up, so that at the instant returned stepAt already reaches k.
    long nanos = -Math.floorDiv(-duration.toNanos() * k, (long) steps());
    return start.plusNanos(nanos);
  }
}
