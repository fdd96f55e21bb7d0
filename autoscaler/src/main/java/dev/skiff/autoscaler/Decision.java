package dev.skiff.autoscaler;

import java.time.Instant;
import java.util.Objects;

/**
 * The decider's answer for one revision at one moment.
 *
 * @param desired how many instances the revision should have
 * @param panicking whether panic mode is on (no scale-down until a stable window passes calmly)
 * @param reason why {@code desired} is what it is
 * @param excessBurstCapacity spare capacity beyond the target burst capacity, from the panic
 *     window: {@code floor(ready × target − panic load − target-burst-capacity)}. Negative means
 *     the revision cannot absorb a burst and the activator should stay in the request path; -1 also
 *     when the burst capacity is -1 (activator always in path); 0 when the burst capacity is 0
 * @param stableValue the observed stable-window load (concurrency or RPS, per the metric setting)
 * @param panicValue the observed panic-window load
 * @param changedAt when {@code desired} or {@code panicking} last changed
 * @param next the state to pass to the next decision for this revision
 */
public record Decision(
    int desired,
    boolean panicking,
    ScaleReason reason,
    int excessBurstCapacity,
    double stableValue,
    double panicValue,
    Instant changedAt,
    DecisionState next) {

  public Decision {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(changedAt, "changedAt");
    Objects.requireNonNull(next, "next");
  }

  /** Whether the activator should stay in the request path for burst capacity. */
  public boolean needsActivator() {
    return excessBurstCapacity < 0;
  }
}
