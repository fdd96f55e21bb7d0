package dev.skiff.autoscaler;

import dev.skiff.api.model.ScalingSettings;
import java.time.Instant;
import java.util.Objects;

/**
 * What the decider remembers about a revision between decisions. The decider is a pure function of
 * its inputs and this state; {@link Decision#next()} is the state to pass to the following call.
 *
 * @param desired the instance count last decided
 * @param lastPanicSignal the last time the panic condition held while in panic mode; null when not
 *     panicking
 * @param maxPanicInstances the highest count decided during the current panic; 0 when not panicking
 * @param lastActive the last time the revision had traffic, was created with a non-zero initial
 *     scale, or was poked; null when never
 * @param initialScaleReached whether the revision has once had its initial scale of ready instances
 * @param changedAt when {@code desired} or panic mode last changed
 * @param delayWindow the counts decided within the scale-down delay; empty without one
 */
public record DecisionState(
    int desired,
    Instant lastPanicSignal,
    int maxPanicInstances,
    Instant lastActive,
    boolean initialScaleReached,
    Instant changedAt,
    DelayWindow delayWindow) {

  public DecisionState {
    Objects.requireNonNull(changedAt, "changedAt");
    delayWindow = delayWindow == null ? DelayWindow.EMPTY : delayWindow;
    if (desired < 0 || maxPanicInstances < 0) {
      throw new IllegalArgumentException("instance counts must be >= 0");
    }
  }

  /** A state without a scale-down delay window. */
  public DecisionState(
      int desired,
      Instant lastPanicSignal,
      int maxPanicInstances,
      Instant lastActive,
      boolean initialScaleReached,
      Instant changedAt) {
    this(
        desired,
        lastPanicSignal,
        maxPanicInstances,
        lastActive,
        initialScaleReached,
        changedAt,
        DelayWindow.EMPTY);
  }

  /**
   * The state of a revision created at {@code now}. A non-zero initial scale counts as activity, so
   * the new instances stay at least a stable window and the grace period, as in Knative.
   */
  public static DecisionState initial(ScalingSettings settings, Instant now) {
    return new DecisionState(
        0, null, 0, settings.initialScale() > 0 ? now : null, settings.initialScale() == 0, now);
  }

  /**
   * The state for a revision that already runs {@code readyInstances} when the autoscaler
   * (re)starts tracking it, with no history. As Knative does, it starts in panic mode when more
   * than one instance runs, so missing history cannot scale it down before a stable window has been
   * observed.
   */
  public static DecisionState resumed(int readyInstances, Instant now) {
    boolean panic = readyInstances > 1;
    return new DecisionState(
        readyInstances,
        panic ? now : null,
        panic ? readyInstances : 0,
        readyInstances > 0 ? now : null,
        true,
        now);
  }

  public boolean panicking() {
    return lastPanicSignal != null;
  }

  /** This state with traffic seen at {@code at}: what a poke from the activator records. */
  public DecisionState withActivity(Instant at) {
    Instant active = lastActive == null || at.isAfter(lastActive) ? at : lastActive;
    return new DecisionState(
        desired,
        lastPanicSignal,
        maxPanicInstances,
        active,
        initialScaleReached,
        changedAt,
        delayWindow);
  }
}
