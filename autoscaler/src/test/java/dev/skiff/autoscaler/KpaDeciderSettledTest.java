package dev.skiff.autoscaler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.ScalingSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link KpaDecider#settled}: whenever it says a revision is settled, deciding again gives the same
 * decision, over random runs of load, idle spells, ready instances and pokes.
 */
class KpaDeciderSettledTest {
  static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  static final List<ScalingSettings> SETTINGS =
      List.of(
          ScalingSettings.DEFAULTS,
          ScalingSettings.from(Map.of(ScalingSettings.WINDOW, "6s")),
          ScalingSettings.from(Map.of(ScalingSettings.SCALE_DOWN_DELAY, "20s")),
          ScalingSettings.from(Map.of(ScalingSettings.INITIAL_SCALE, "0")),
          ScalingSettings.from(Map.of(ScalingSettings.INITIAL_SCALE, "3")),
          ScalingSettings.from(Map.of(ScalingSettings.RETENTION, "90s")),
          ScalingSettings.from(Map.of(ScalingSettings.METRIC, "rps", ScalingSettings.TARGET, "5")),
          ScalingSettings.from(Map.of(ScalingSettings.ACTIVATION_SCALE, "2")),
          ScalingSettings.from(Map.of(ScalingSettings.TARGET_BURST_CAPACITY, "0")),
          ScalingSettings.from(Map.of(ScalingSettings.MIN_SCALE, "1")));

  static final List<AutoscalerConfig> CONFIGS =
      List.of(
          AutoscalerConfig.DEFAULTS,
          new AutoscalerConfig(Duration.ofSeconds(2), 1000, 2, Duration.ofSeconds(30), false, 211),
          new AutoscalerConfig(Duration.ofSeconds(2), 1000, 2, Duration.ZERO, true, -1));

  @Test
  void aSettledRevisionIsDecidedTheSameAgain() {
    int settled = 0;
    for (AutoscalerConfig config : CONFIGS) {
      KpaDecider decider = new KpaDecider(config);
      for (ScalingSettings settings : SETTINGS) {
        for (long seed = 0; seed < 20; seed++) {
          settled += run(decider, settings, new Random(seed));
        }
      }
    }
    assertTrue(settled > 1000, "the runs reach settled revisions: " + settled);
  }

  /** Steps as the autoscaler does, keeping the last decision while settled; returns how often. */
  private static int run(KpaDecider decider, ScalingSettings settings, Random random) {
    Instant now = T0;
    Decision last = null;
    DecisionState state = DecisionState.initial(settings, now);
    Instant lastTraffic = null;
    int settled = 0;
    for (int step = 0; step < 600; step++) {
      now = now.plusMillis(500 + random.nextInt(2500));
      int phase = (step / 100) % 3; // busy, then idle at zero, then idle with stray instances
      double load = phase == 0 && random.nextInt(3) > 0 ? random.nextDouble() * 300 : 0;
      if (load > 0) {
        lastTraffic = now;
      }
      int ready = phase == 0 ? random.nextInt(4) : phase == 2 && random.nextInt(10) == 0 ? 1 : 0;
      WindowedStats stats =
          load > 0 || random.nextInt(20) == 0
              ? new WindowedStats(load, load * 1.5, load / 2, load, lastTraffic)
              : new WindowedStats(0, 0, 0, 0, lastTraffic);
      boolean poke = random.nextInt(150) == 0;
      if (!poke && last != null && decider.settled(settings, stats, ready, last, now)) {
        Decision again = decider.decide(settings, new Observation(stats, ready, true), state, now);
        assertSame(last, again, settings + " at " + now);
        settled++;
        continue;
      }
      Observation observation = new Observation(stats, ready, random.nextInt(5) > 0);
      Decision d =
          poke
              ? decider.poke(settings, observation, state, now)
              : decider.decide(settings, observation, state, now);
      state = d.next();
      last = d;
    }
    return settled;
  }

  private static void assertSame(Decision want, Decision got, String where) {
    assertEquals(want.desired(), got.desired(), where);
    assertEquals(want.panicking(), got.panicking(), where);
    assertEquals(want.reason(), got.reason(), where);
    assertEquals(want.excessBurstCapacity(), got.excessBurstCapacity(), where);
    assertEquals(want.stableValue(), got.stableValue(), where);
    assertEquals(want.panicValue(), got.panicValue(), where);
    assertEquals(want.changedAt(), got.changedAt(), where);
    DecisionState a = want.next();
    DecisionState b = got.next();
    assertEquals(a.desired(), b.desired(), where);
    assertEquals(a.lastPanicSignal(), b.lastPanicSignal(), where);
    assertEquals(a.maxPanicInstances(), b.maxPanicInstances(), where);
    assertEquals(a.lastActive(), b.lastActive(), where);
    assertEquals(a.initialScaleReached(), b.initialScaleReached(), where);
    assertEquals(a.changedAt(), b.changedAt(), where);
    assertEquals(a.delayWindow().max(), b.delayWindow().max(), where);
  }

  @Test
  void notSettledWhileAnythingCanStillChangeTheCount() {
    KpaDecider decider = new KpaDecider(AutoscalerConfig.DEFAULTS);
    ScalingSettings s = ScalingSettings.DEFAULTS;
    Instant active = T0;
    DecisionState zero = new DecisionState(0, null, 0, active, true, T0);
    Instant later = T0.plus(Duration.ofMinutes(5));
    Decision atZero = decider.decide(s, new Observation(WindowedStats.NONE, 0, true), zero, later);
    assertEquals(ScaleReason.SCALED_TO_ZERO, atZero.reason());
    WindowedStats none = new WindowedStats(0, 0, 0, 0, active);

    assertTrue(decider.settled(s, none, 0, atZero, later.plusSeconds(2)));
    assertFalse(decider.settled(s, none, 1, atZero, later), "a ready instance");
    assertFalse(
        decider.settled(s, new WindowedStats(0, 0.5, 0, 0, active), 0, atZero, later), "load");
    assertFalse(
        decider.settled(s, new WindowedStats(0, 0, 0, 0, later), 0, atZero, later),
        "newer traffic");
    Decision busy = decider.decide(s, new Observation(WindowedStats.NONE, 0, true), zero, T0);
    assertFalse(decider.settled(s, none, 0, busy, T0.plusSeconds(2)), "within the window");
  }
}
