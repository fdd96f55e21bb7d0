package dev.skiff.autoscaler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.api.model.ScalingSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The scale-to-zero sequence: the last request at T0, then a stable window (60s) without traffic,
 * then the grace period (30s), then zero, but only with the activator in the path and after the
 * retention period.
 */
class ScaleToZeroTest {
  static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  static final ScalingSettings DEFAULTS = ScalingSettings.DEFAULTS;

  /** What the windows show once the last request at T0 has left them. */
  static final WindowedStats IDLE = WindowedStats.ofConcurrency(0, 0, T0);

  final KpaDecider decider = new KpaDecider(AutoscalerConfig.DEFAULTS);

  static DecisionState oneInstanceLastUsedAtT0() {
    return new DecisionState(1, null, 0, T0, true, T0);
  }

  Decision idleAt(ScalingSettings s, int seconds, boolean activatorInPath) {
    return decider.decide(
        s,
        new Observation(IDLE, 1, activatorInPath),
        oneInstanceLastUsedAtT0(),
        T0.plusSeconds(seconds));
  }

  @Test
  void holdsOneInstanceDuringTheStableWindow() {
    Decision d = idleAt(DEFAULTS, 59, true);
    assertEquals(1, d.desired());
    assertEquals(ScaleReason.IDLE_STABLE_WINDOW, d.reason());
  }

  @Test
  void holdsOneInstanceDuringTheGracePeriodAfterTheStableWindow() {
    Decision d = idleAt(DEFAULTS, 89, true);
    assertEquals(1, d.desired());
    assertEquals(ScaleReason.IDLE_GRACE, d.reason());
  }

  @Test
  void scalesToZeroAfterStableWindowPlusGrace() {
    Decision d = idleAt(DEFAULTS, 90, true);
    assertEquals(0, d.desired());
    assertEquals(ScaleReason.SCALED_TO_ZERO, d.reason());
    assertEquals("scale-to-zero after grace", d.reason().text());
  }

  @Test
  void graceFollowsTheConfig() {
    var quick =
        new KpaDecider(
            AutoscalerConfig.builder().withScaleToZeroGracePeriod(Duration.ZERO).build());
    Decision d =
        quick.decide(
            DEFAULTS,
            new Observation(IDLE, 1, true),
            oneInstanceLastUsedAtT0(),
            T0.plusSeconds(60));
    assertEquals(0, d.desired());
  }

  @Test
  void retentionPeriodHoldsTheLastInstance() {
    var s = ScalingSettings.from(Map.of(ScalingSettings.RETENTION, "5m"));
    Decision held = idleAt(s, 90, true);
    assertEquals(1, held.desired());
    assertEquals(ScaleReason.IDLE_RETENTION, held.reason());

    assertEquals(1, idleAt(s, 299, true).desired());
    assertEquals(0, idleAt(s, 300, true).desired());
  }

  @Test
  void noScaleToZeroWithoutTheActivatorInThePath() {
    Decision d = idleAt(DEFAULTS, 3600, false);
    assertEquals(1, d.desired());
    assertEquals(ScaleReason.WAITING_FOR_ACTIVATOR, d.reason());
  }

  @Test
  void noScaleToZeroWhenDisabled() {
    var never = new KpaDecider(AutoscalerConfig.builder().withEnableScaleToZero(false).build());
    Decision d =
        never.decide(
            DEFAULTS,
            new Observation(IDLE, 1, true),
            oneInstanceLastUsedAtT0(),
            T0.plusSeconds(3600));
    assertEquals(1, d.desired());
    assertEquals(ScaleReason.SCALE_TO_ZERO_DISABLED, d.reason());
  }

  @Test
  void minScaleOfOneNeverReachesZero() {
    var s = ScalingSettings.from(Map.of(ScalingSettings.MIN_SCALE, "1"));
    Decision d = idleAt(s, 3600, true);
    assertEquals(1, d.desired());
    assertEquals(ScaleReason.MIN_SCALE, d.reason());
  }

  @Test
  void trafficRestartsTheIdleClock() {
    // A request at T0+80 moves the window: at T0+90 the revision has been idle for 10s only.
    var recent = WindowedStats.ofConcurrency(0.1, 0, T0.plusSeconds(80));
    Decision d =
        decider.decide(
            DEFAULTS,
            new Observation(recent, 1, true),
            oneInstanceLastUsedAtT0(),
            T0.plusSeconds(90));
    assertEquals(1, d.desired());
    assertEquals(T0.plusSeconds(80), d.next().lastActive());
  }

  @Test
  void aRevisionAtZeroStaysAtZeroWithoutTraffic() {
    DecisionState atZero = idleAt(DEFAULTS, 90, true).next();
    Decision d =
        decider.decide(DEFAULTS, new Observation(IDLE, 0, true), atZero, T0.plusSeconds(200));
    assertEquals(0, d.desired());
    assertEquals(T0.plusSeconds(90), d.changedAt());
  }

  @Test
  void pokeAtZeroYieldsAnInstanceImmediately() {
    DecisionState atZero = idleAt(DEFAULTS, 90, true).next();
    Instant request = T0.plusSeconds(500);
    // The activator's first stat has not arrived yet: the windows are still empty.
    Decision d = decider.poke(DEFAULTS, new Observation(IDLE, 0, true), atZero, request);
    assertEquals(1, d.desired());
    assertEquals(ScaleReason.ACTIVATION, d.reason());
    assertEquals(request, d.changedAt());
  }

  @Test
  void pokedRevisionThenIdlesThroughTheWholeSequenceAgain() {
    DecisionState atZero = idleAt(DEFAULTS, 90, true).next();
    Instant request = T0.plusSeconds(500);
    DecisionState poked =
        decider.poke(DEFAULTS, new Observation(IDLE, 0, true), atZero, request).next();
    Decision beforeGrace =
        decider.decide(DEFAULTS, new Observation(IDLE, 1, true), poked, request.plusSeconds(89));
    assertEquals(1, beforeGrace.desired());
    Decision after =
        decider.decide(DEFAULTS, new Observation(IDLE, 1, true), poked, request.plusSeconds(90));
    assertEquals(0, after.desired());
  }
}
