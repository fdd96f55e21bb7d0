package dev.skiff.autoscaler;

import dev.skiff.api.model.ScalingSettings;
import dev.skiff.autoscaler.spi.Decider;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Knative's KPA decision as a pure function (Knative's {@code autoscaler.Scale} plus the KPA
 * reconciler's bounds, initial scale and scale-to-zero rules). In order:
 *
 * <ol>
 *   <li>wanted instances: {@code ceil(load / (target × utilization/100))}, for the stable and the
 *       panic window;
 *   <li>rate limits: between {@code floor(ready / maxScaleDownRate)} and {@code ceil(ready ×
 *       maxScaleUpRate)}, where zero ready instances count as one;
 *   <li>panic: entered when {@code wantedPanic / ready ≥ panicThreshold/100}, extended while that
 *       holds, left a stable window after it last held; while panicking the count never drops;
 *   <li>scale-down delay: the highest count decided within the delay, so a lower count applies only
 *       once it has been wanted for the whole delay (zero included);
 *   <li>activation scale: a non-zero count is at least {@code activation-scale};
 *   <li>initial scale, until the revision has once had that many ready instances;
 *   <li>min-scale and max-scale (0 = unbounded);
 *   <li>scale to zero: a count of zero holds one instance until the revision has been idle for the
 *       stable window plus the grace period, and the retention period, with the activator in path.
 * </ol>
 */
public final class KpaDecider implements Decider {
  private final AutoscalerConfig config;

  public KpaDecider(AutoscalerConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  public AutoscalerConfig config() {
    return config;
  }

  /** The panic window: the stable window × panic-window-percentage / 100 (6s by default). */
  public static Duration panicWindow(ScalingSettings settings) {
    return Duration.ofMillis(
        Math.round(settings.window().toMillis() * settings.panicWindowPercent() / 100));
  }

  @Override
  public Decision decide(
      ScalingSettings settings, Observation observation, DecisionState previous, Instant now) {
    boolean rps = "rps".equals(settings.metric());
    WindowedStats stats = observation.stats();
    double stable = rps ? stats.stableRps() : stats.stableConcurrency();
    double panic = rps ? stats.panicRps() : stats.panicConcurrency();
    int ready = observation.readyInstances();
    Instant lastActive = later(previous.lastActive(), stats.lastTraffic());

    // Zero ready instances count as one, so a revision can grow from zero and a burst at zero
    // is measured against one instance's capacity (Knative does the same).
    double readyForRates = Math.max(1, ready);
    double maxUp = Math.ceil(config.maxScaleUpRate() * readyForRates);
    double maxDown = Math.floor(readyForRates / config.maxScaleDownRate());
    double perInstance = settings.target() * settings.targetUtilizationPercent() / 100;
    double wantStable = Math.ceil(stable / perInstance);
    double wantPanic = Math.ceil(panic / perInstance);
    int desiredStable = clamp(wantStable, maxDown, maxUp);
    int desiredPanic = clamp(wantPanic, maxDown, maxUp);

    Instant panicSignal = previous.lastPanicSignal();
    int maxPanic = previous.maxPanicInstances();
    if (wantPanic / readyForRates >= settings.panicThresholdPercent() / 100) {
      panicSignal = now;
    } else if (panicSignal != null && panicSignal.plus(settings.window()).isBefore(now)) {
      // The surge has been in the stable window's average for a whole window: trust it again.
      panicSignal = null;
      maxPanic = 0;
    }

    int desired;
    ScaleReason reason;
    if (panicSignal != null) {
      // Provision for whichever window asks more, and never give back instances while panicking.
      desired = Math.max(Math.max(desiredStable, desiredPanic), maxPanic);
      maxPanic = desired;
      reason = ScaleReason.PANIC;
    } else {
      desired = desiredStable;
      reason =
          wantStable > maxUp
              ? ScaleReason.RATE_LIMITED_UP
              : wantStable < maxDown ? ScaleReason.RATE_LIMITED_DOWN : ScaleReason.STABLE;
    }

    DelayWindow delayWindow = previous.delayWindow();
    if (!settings.scaleDownDelay().isZero()) {
      delayWindow = delayWindow.record(now, desired, settings.scaleDownDelay());
      if (delayWindow.max() > desired) {
        desired = delayWindow.max();
        reason = ScaleReason.SCALE_DOWN_DELAY;
      }
    } else {
      delayWindow = DelayWindow.EMPTY;
    }
    if (desired > 0 && desired < settings.activationScale()) {
      desired = settings.activationScale();
      reason = ScaleReason.ACTIVATION_SCALE;
    }

    int initialTarget =
        settings.maxScale() > 0
            ? Math.min(settings.initialScale(), settings.maxScale())
            : settings.initialScale();
    boolean initialReached = previous.initialScaleReached() || ready >= initialTarget;
    if (!initialReached && desired < settings.initialScale()) {
      desired = settings.initialScale();
      reason = ScaleReason.INITIAL_SCALE;
    }
    if (desired < settings.minScale()) {
      desired = settings.minScale();
      reason = ScaleReason.MIN_SCALE;
    }
    if (settings.maxScale() > 0 && desired > settings.maxScale()) {
      desired = settings.maxScale();
      reason = ScaleReason.MAX_SCALE;
    }
    if (desired == 0) {
      reason = scaleToZero(settings, observation, previous, lastActive, now);
      desired = reason == ScaleReason.SCALED_TO_ZERO ? 0 : 1;
    }

    boolean panicking = panicSignal != null;
    Instant changedAt =
        desired != previous.desired() || panicking != previous.panicking()
            ? now
            : previous.changedAt();
    DecisionState next =
        new DecisionState(
            desired, panicSignal, maxPanic, lastActive, initialReached, changedAt, delayWindow);
    return new Decision(
        desired,
        panicking,
        reason,
        excessBurstCapacity(settings, ready, panic),
        stable,
        panic,
        changedAt,
        next);
  }

  /**
   * True for a revision settled at zero: the last decision was {@link ScaleReason#SCALED_TO_ZERO}
   * with no load, no instance is ready, no load has come since, the last activity (if any) is a
   * stable window or more ago, and nothing in the state (panic, scale-down delay, initial scale)
   * can raise the count. Then every step of {@link #decide} gives the last decision again (its
   * delay window aside, which holds a count of zero that can never be the highest), as it will at
   * every later {@code now} until a report, a poke or a ready instance changes an input. Allocates
   * nothing.
   */
  @Override
  public boolean settled(
      ScalingSettings settings,
      WindowedStats stats,
      int readyInstances,
      Decision last,
      Instant now) {
    DecisionState state = last.next();
    if (readyInstances != 0
        || last.desired() != 0
        || last.panicking()
        || last.reason() != ScaleReason.SCALED_TO_ZERO
        || last.stableValue() != 0
        || last.panicValue() != 0
        || !last.changedAt().equals(state.changedAt())
        || state.desired() != 0
        || state.lastPanicSignal() != null
        || state.maxPanicInstances() != 0
        || !state.initialScaleReached()
        || state.delayWindow().max() != 0
        || !config.enableScaleToZero()
        || settings.minScale() != 0
        || Math.floor(1 / config.maxScaleDownRate()) != 0
        || settings.panicThresholdPercent() <= 0
        || !(settings.target() * settings.targetUtilizationPercent() > 0)) {
      return false;
    }
    if (stats.stableConcurrency() != 0
        || stats.panicConcurrency() != 0
        || stats.stableRps() != 0
        || stats.panicRps() != 0) {
      return false;
    }
    Instant lastActive = state.lastActive();
    Instant traffic = stats.lastTraffic();
    if (traffic != null && (lastActive == null || traffic.isAfter(lastActive))) {
      return false; // traffic newer than the state knows
    }
    if (lastActive != null && !atLeast(lastActive, now, settings.window())) {
      return false;
    }
    return last.excessBurstCapacity() == excessBurstCapacity(settings, 0, 0);
  }

  /** Whether {@code to} is {@code d} or more after {@code from}, without a Duration. */
  private static boolean atLeast(Instant from, Instant to, Duration d) {
    long seconds = to.getEpochSecond() - from.getEpochSecond();
    long nanos = (long) to.getNano() - from.getNano();
    if (nanos < 0) {
      seconds--;
      nanos += 1_000_000_000L;
    }
    return seconds > d.getSeconds() || (seconds == d.getSeconds() && nanos >= d.getNano());
  }

  /**
   * Why a revision whose count came out as zero goes to zero ({@link ScaleReason#SCALED_TO_ZERO})
   * or keeps one instance (any other reason).
   */
  private ScaleReason scaleToZero(
      ScalingSettings settings,
      Observation observation,
      DecisionState previous,
      Instant lastActive,
      Instant now) {
    boolean noInstances = observation.readyInstances() == 0;
    if (!config.enableScaleToZero()) {
      return ScaleReason.SCALE_TO_ZERO_DISABLED;
    }
    Duration idle = lastActive == null ? null : Duration.between(lastActive, now);
    if (idle != null && idle.compareTo(settings.window()) < 0) {
      // Traffic (or a poke, or creation) within the stable window: one instance at least.
      return noInstances ? ScaleReason.ACTIVATION : ScaleReason.IDLE_STABLE_WINDOW;
    }
    if (noInstances && previous.desired() == 0) {
      return ScaleReason.SCALED_TO_ZERO;
    }
    if (idle != null) {
      if (idle.compareTo(settings.window().plus(config.scaleToZeroGracePeriod())) < 0) {
        return ScaleReason.IDLE_GRACE;
      }
      if (idle.compareTo(settings.scaleToZeroRetention()) < 0) {
        return ScaleReason.IDLE_RETENTION;
      }
    }
    // Without the activator in front, a request arriving at zero would find no one to hold it.
    if (!observation.activatorInPath()) {
      return ScaleReason.WAITING_FOR_ACTIVATOR;
    }
    return ScaleReason.SCALED_TO_ZERO;
  }

  /** Knative's excess burst capacity, from the panic window's load and all ready instances. */
  private int excessBurstCapacity(ScalingSettings settings, int ready, double panicLoad) {
    double burst =
        settings.targetBurstCapacity() != null
            ? settings.targetBurstCapacity()
            : config.targetBurstCapacity();
    if (burst == 0) {
      return 0;
    }
    if (burst < 0) {
      return -1;
    }
    double excess = Math.floor(ready * settings.target() - burst - panicLoad);
    return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, excess));
  }

  private static int clamp(double value, double low, double high) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(low, Math.min(value, high)));
  }

  private static Instant later(Instant a, Instant b) {
    if (a == null) {
      return b;
    }
    return b == null || a.isAfter(b) ? a : b;
  }
}
