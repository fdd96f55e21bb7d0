package dev.skiff.autoscaler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.ScalingSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The load-driven rules of the KPA. Defaults: target 100 at 70 % utilization, so one instance is
 * "full" at a concurrency of 70; stable window 60s; panic at twice the ready capacity.
 */
class KpaDeciderTest {
  static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  static final ScalingSettings DEFAULTS = ScalingSettings.DEFAULTS;

  final KpaDecider decider = new KpaDecider(AutoscalerConfig.DEFAULTS);

  /** A revision that has long been running and seen traffic, not panicking. */
  static DecisionState running(int instances) {
    return new DecisionState(instances, null, 0, T0, true, T0);
  }

  static Observation load(double stable, double panic, int ready) {
    return new Observation(WindowedStats.ofConcurrency(stable, panic, T0), ready, true);
  }

  static ScalingSettings settings(Map<String, String> annotations) {
    return ScalingSettings.from(annotations);
  }

  @Test
  void stableLoadSizesByTargetTimesUtilization() {
    Decision d = decider.decide(DEFAULTS, load(350, 350, 5), running(5), T0);
    assertEquals(5, d.desired()); // 350 / 70
    assertEquals(ScaleReason.STABLE, d.reason());
    assertFalse(d.panicking());

    d = decider.decide(DEFAULTS, load(351, 351, 5), running(5), T0);
    assertEquals(6, d.desired()); // rounded up
  }

  @Test
  void panicIsEnteredAtTheThreshold() {
    // 700 / 70 = 10 wanted against 5 ready: exactly 200 %.
    Decision d = decider.decide(DEFAULTS, load(350, 700, 5), running(5), T0);
    assertTrue(d.panicking());
    assertEquals(ScaleReason.PANIC, d.reason());
    assertEquals(10, d.desired()); // the larger of stable (5) and panic (10)
    assertEquals(T0, d.changedAt());
  }

  @Test
  void noPanicJustBelowTheThreshold() {
    // 630 / 70 = 9 wanted against 5 ready: 180 %.
    Decision d = decider.decide(DEFAULTS, load(350, 630, 5), running(5), T0);
    assertFalse(d.panicking());
    assertEquals(5, d.desired());
    assertEquals(ScaleReason.STABLE, d.reason());
  }

  @Test
  void panicThresholdFollowsTheAnnotation() {
    var s = settings(Map.of(ScalingSettings.PANIC_THRESHOLD, "150"));
    // 560 / 70 = 8 wanted against 5 ready: 160 % >= 150 %.
    assertTrue(decider.decide(s, load(350, 560, 5), running(5), T0).panicking());
  }

  @Test
  void panicNeverScalesDown() {
    Decision entered = decider.decide(DEFAULTS, load(350, 1400, 5), running(5), T0);
    assertEquals(20, entered.desired());

    // The burst is gone from the panic window 2s later; panic mode keeps the 20.
    Instant t = T0.plusSeconds(2);
    Decision calm = decider.decide(DEFAULTS, load(350, 70, 20), entered.next(), t);
    assertTrue(calm.panicking());
    assertEquals(20, calm.desired());
    assertEquals(T0, calm.changedAt());

    // A bigger burst still raises it.
    Decision more = decider.decide(DEFAULTS, load(350, 2800, 20), calm.next(), t.plusSeconds(2));
    assertEquals(40, more.desired());
  }

  @Test
  void leavesPanicAfterAStableWindowWithoutThePanicCondition() {
    Decision entered = decider.decide(DEFAULTS, load(350, 1400, 5), running(5), T0);
    DecisionState state = entered.next();

    Decision stillPanicking =
        decider.decide(DEFAULTS, load(700, 70, 20), state, T0.plus(Duration.ofSeconds(60)));
    assertTrue(stillPanicking.panicking());
    assertEquals(20, stillPanicking.desired());

    Instant after = T0.plus(Duration.ofSeconds(62));
    Decision left = decider.decide(DEFAULTS, load(700, 70, 20), stillPanicking.next(), after);
    assertFalse(left.panicking());
    assertEquals(10, left.desired()); // 700 / 70; within the halving limit of 20 ready
    assertEquals(ScaleReason.STABLE, left.reason());
    assertEquals(after, left.changedAt());
    assertEquals(0, left.next().maxPanicInstances());
  }

  @Test
  void panicConditionHoldingAgainExtendsPanic() {
    DecisionState state = decider.decide(DEFAULTS, load(350, 1400, 5), running(5), T0).next();
    state = decider.decide(DEFAULTS, load(350, 2800, 20), state, T0.plusSeconds(40)).next();
    // 62s after entering but only 22s after the condition last held.
    Decision d = decider.decide(DEFAULTS, load(350, 70, 20), state, T0.plusSeconds(62));
    assertTrue(d.panicking());
  }

  @Test
  void scaleUpIsCappedAtAThousandTimesReady() {
    Decision d = decider.decide(DEFAULTS, load(1_000_000, 0, 1), running(1), T0);
    assertEquals(1000, d.desired());
    assertEquals(ScaleReason.RATE_LIMITED_UP, d.reason());

    d = decider.decide(DEFAULTS, load(1_000_000, 0, 3), running(3), T0);
    assertEquals(3000, d.desired());
  }

  @Test
  void scaleUpFromZeroReadyCountsAsOne() {
    Decision d = decider.decide(DEFAULTS, load(1_000_000, 1_000_000, 0), running(1), T0);
    assertEquals(1000, d.desired());
    assertTrue(d.panicking());
  }

  @Test
  void scaleUpRateFollowsTheConfig() {
    var slow = new KpaDecider(AutoscalerConfig.builder().withMaxScaleUpRate(1.5).build());
    // ceil(1.5 × 3) = 5, although 100 are wanted.
    assertEquals(5, slow.decide(DEFAULTS, load(7000, 0, 3), running(3), T0).desired());
  }

  @Test
  void scaleDownAtMostHalvesPerDecision() {
    Decision d = decider.decide(DEFAULTS, load(0, 0, 10), running(10), T0.plusSeconds(600));
    assertEquals(5, d.desired());
    assertEquals(ScaleReason.RATE_LIMITED_DOWN, d.reason());

    d = decider.decide(DEFAULTS, load(0, 0, 5), d.next(), T0.plusSeconds(602));
    assertEquals(2, d.desired()); // floor(5 / 2)
  }

  @Test
  void minScaleIsAFloor() {
    var s = settings(Map.of(ScalingSettings.MIN_SCALE, "3"));
    Decision d = decider.decide(s, load(0, 0, 3), running(3), T0.plusSeconds(600));
    assertEquals(3, d.desired());
    assertEquals(ScaleReason.MIN_SCALE, d.reason());
  }

  @Test
  void maxScaleIsACeiling() {
    var s = settings(Map.of(ScalingSettings.MAX_SCALE, "4"));
    Decision d = decider.decide(s, load(7000, 7000, 2), running(2), T0);
    assertEquals(4, d.desired());
    assertEquals(ScaleReason.MAX_SCALE, d.reason());
  }

  @Test
  void maxScaleZeroMeansUnbounded() {
    var s = settings(Map.of(ScalingSettings.MAX_SCALE, "0"));
    assertEquals(100, decider.decide(s, load(7000, 0, 50), running(50), T0).desired());
  }

  @Test
  void newRevisionStartsAtInitialScaleUntilReached() {
    var s = settings(Map.of(ScalingSettings.INITIAL_SCALE, "3"));
    DecisionState fresh = DecisionState.initial(s, T0);

    Decision d = decider.decide(s, new Observation(WindowedStats.NONE, 0, false), fresh, T0);
    assertEquals(3, d.desired());
    assertEquals(ScaleReason.INITIAL_SCALE, d.reason());

    d =
        decider.decide(
            s, new Observation(WindowedStats.NONE, 2, false), d.next(), T0.plusSeconds(2));
    assertEquals(3, d.desired());

    // Three ready: initial scale is done; with no load the count starts falling.
    d =
        decider.decide(
            s, new Observation(WindowedStats.NONE, 3, false), d.next(), T0.plusSeconds(4));
    assertTrue(d.next().initialScaleReached());
    assertEquals(1, d.desired());
  }

  @Test
  void initialScaleZeroLeavesANewRevisionAtZero() {
    var s = settings(Map.of(ScalingSettings.INITIAL_SCALE, "0"));
    Decision d =
        decider.decide(
            s, new Observation(WindowedStats.NONE, 0, true), DecisionState.initial(s, T0), T0);
    assertEquals(0, d.desired());
  }

  @Test
  void rpsMetricSizesByRequestRate() {
    var s = settings(Map.of(ScalingSettings.METRIC, "rps", ScalingSettings.TARGET, "200"));
    var stats = new WindowedStats(1, 1, 1400, 1400, T0);
    assertEquals(
        10, decider.decide(s, new Observation(stats, 10, true), running(10), T0).desired());
  }

  @Test
  void excessBurstCapacityIsNegativeWhenABurstWouldNotFit() {
    // 2 × 100 − 50 − 211 = −61.
    Decision d = decider.decide(DEFAULTS, load(50, 50, 2), running(2), T0);
    assertEquals(-61, d.excessBurstCapacity());
    assertTrue(d.needsActivator());
  }

  @Test
  void excessBurstCapacityIsPositiveWithSpareInstances() {
    // 5 × 100 − 50 − 211 = 239.
    Decision d = decider.decide(DEFAULTS, load(50, 50, 5), running(5), T0);
    assertEquals(239, d.excessBurstCapacity());
    assertFalse(d.needsActivator());
  }

  @Test
  void burstCapacityMinusOneKeepsTheActivatorAlways() {
    var always = new KpaDecider(AutoscalerConfig.builder().withTargetBurstCapacity(-1).build());
    Decision d = always.decide(DEFAULTS, load(0, 0, 100), running(100), T0);
    assertEquals(-1, d.excessBurstCapacity());
    assertTrue(d.needsActivator());
  }

  @Test
  void burstCapacityZeroNeverAsksForTheActivator() {
    var never = new KpaDecider(AutoscalerConfig.builder().withTargetBurstCapacity(0).build());
    assertEquals(
        0, never.decide(DEFAULTS, load(500, 500, 1), running(1), T0).excessBurstCapacity());
  }

  @Test
  void panicWindowIsAPercentOfTheStableWindow() {
    assertEquals(Duration.ofSeconds(6), KpaDecider.panicWindow(DEFAULTS));
    var s = settings(Map.of(ScalingSettings.WINDOW, "120s", ScalingSettings.PANIC_WINDOW, "25"));
    assertEquals(Duration.ofSeconds(30), KpaDecider.panicWindow(s));
  }
}
