package dev.skiff.autoscaler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.ScalingSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Knative's {@code scale-down-delay}, {@code activation-scale} and the target that {@code
 * containerConcurrency} caps, driven by a clock the test moves.
 */
class ScaleDownDelayTest {
  static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  final KpaDecider decider = new KpaDecider(AutoscalerConfig.DEFAULTS);

  static Observation load(double concurrency, int ready, Instant at) {
    return new Observation(WindowedStats.ofConcurrency(concurrency, concurrency, at), ready, true);
  }

  @Test
  void lowerCountWaitsForTheWholeDelay() {
    var s = ScalingSettings.from(Map.of(ScalingSettings.SCALE_DOWN_DELAY, "30s"));
    DecisionState st = new DecisionState(5, null, 0, T0, true, T0);
    Decision busy = decider.decide(s, load(350, 5, T0), st, T0); // 350 / 70 = 5
    assertEquals(5, busy.desired());

    Instant t = T0.plusSeconds(2);
    DecisionState next = busy.next();
    for (; t.isBefore(T0.plusSeconds(30)); t = t.plusSeconds(2)) {
      Decision d = decider.decide(s, load(70, 5, t), next, t); // wants 1 now
      assertEquals(5, d.desired(), "at " + t);
      assertEquals(ScaleReason.SCALE_DOWN_DELAY, d.reason());
      next = d.next();
    }
    // 30 s after the decision for 5 the lower count applies, as far as the scale-down rate
    // (at most halving per decision) lets it.
    Decision after = decider.decide(s, load(70, 5, t), next, t);
    assertEquals(2, after.desired());
    assertEquals(ScaleReason.RATE_LIMITED_DOWN, after.reason());
  }

  @Test
  void withoutDelayTheLowerCountAppliesAtOnce() {
    DecisionState st = new DecisionState(5, null, 0, T0, true, T0);
    Decision d = decider.decide(ScalingSettings.DEFAULTS, load(70, 5, T0), st, T0.plusSeconds(2));
    assertEquals(2, d.desired()); // max scale-down rate 2: 5 -> 2 (floor 5/2)
  }

  @Test
  void scaleToZeroWaitsForTheDelayToo() {
    var s = ScalingSettings.from(Map.of(ScalingSettings.SCALE_DOWN_DELAY, "5m"));
    Decision one =
        decider.decide(s, load(10, 1, T0), new DecisionState(1, null, 0, T0, true, T0), T0);
    // Idle far past the stable window and grace (90 s) but within the 5 minute delay: holds 1.
    Instant t = T0.plusSeconds(120);
    Observation idle = new Observation(WindowedStats.NONE, 1, true);
    Decision held = decider.decide(s, idle, one.next(), t);
    assertEquals(1, held.desired());
    assertEquals(ScaleReason.SCALE_DOWN_DELAY, held.reason());
    Decision zero = decider.decide(s, idle, held.next(), T0.plusSeconds(301));
    assertEquals(0, zero.desired());
  }

  @Test
  void delayWindowKeepsOnlyCountsThatCanStillBeTheHighest() {
    DelayWindow w = DelayWindow.EMPTY;
    Duration d = Duration.ofSeconds(10);
    w = w.record(T0, 3, d).record(T0.plusSeconds(1), 5, d).record(T0.plusSeconds(2), 4, d);
    assertEquals(5, w.max());
    assertEquals(2, w.entries().size()); // the 3 can never be the highest again
    assertEquals(4, w.record(T0.plusSeconds(11), 1, d).max());
  }

  @Test
  void delayWindowKeepsNoCountOfZero() {
    Duration d = Duration.ofSeconds(10);
    DelayWindow two = DelayWindow.EMPTY.record(T0, 2, d);
    assertEquals(
        List.of(new DelayWindow.Entry(T0, 2)), two.record(T0.plusSeconds(1), 0, d).entries());
    assertSame(DelayWindow.EMPTY, two.record(T0.plusSeconds(11), 0, d));
    assertEquals(2, two.record(T0.plusSeconds(1), 0, d).max());
  }

  @Test
  void activationScaleIsTheFewestInstancesWhileRunning() {
    var s = ScalingSettings.from(Map.of(ScalingSettings.ACTIVATION_SCALE, "3"));
    DecisionState zero = DecisionState.initial(s, T0);
    Decision woken = decider.decide(s, load(1, 0, T0), zero, T0.plusSeconds(1));
    assertEquals(3, woken.desired());
    assertEquals(ScaleReason.ACTIVATION_SCALE, woken.reason());
  }

  @Test
  void containerConcurrencyCapsTheTarget() {
    RevisionTemplate t = new RevisionTemplate("x", null, null, null, 10, null, null, Map.of());
    assertEquals(10, ScalingSettings.of(t).target());
    RevisionTemplate higher =
        new RevisionTemplate(
            "x", null, null, null, 10, null, null, Map.of(ScalingSettings.TARGET, "50"));
    assertEquals(10, ScalingSettings.of(higher).target());
    RevisionTemplate lower =
        new RevisionTemplate(
            "x", null, null, null, 10, null, null, Map.of(ScalingSettings.TARGET, "4"));
    assertEquals(4, ScalingSettings.of(lower).target());
    RevisionTemplate unlimited = new RevisionTemplate("x", null, null, null, 0, null, null, null);
    assertEquals(100, ScalingSettings.of(unlimited).target());
    // 35 concurrent requests at target 10 × 70 %: 5 instances.
    Decision d =
        decider.decide(
            ScalingSettings.of(t),
            load(35, 5, T0),
            new DecisionState(5, null, 0, T0, true, T0),
            T0);
    assertEquals(5, d.desired());
  }

  @Test
  void legacyCamelCaseSpellingsSetTheSameSettings() {
    var legacy =
        ScalingSettings.from(
            Map.of(
                "autoscaling.knative.dev/targetUtilizationPercentage", "50",
                "autoscaling.knative.dev/minScale", "2"));
    assertEquals(50, legacy.targetUtilizationPercent());
    assertEquals(2, legacy.minScale());
  }
}
