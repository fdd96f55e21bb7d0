package dev.skiff.controlplane.internal.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RolloutScheduleTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void startsAtOnePercentAndReachesAllAtTheEndOfTheDuration() {
    RolloutSchedule s = new RolloutSchedule(T0, Duration.ofSeconds(30));
    assertEquals(1, s.percentAt(T0));
    assertEquals(1, s.percentAt(T0.plusMillis(999)));
    assertEquals(100, s.percentAt(T0.plusSeconds(30)));
    assertEquals(100, s.percentAt(T0.plusSeconds(3000)));
    assertEquals(T0.plusSeconds(30), s.end());
  }

  @Test
  void thirtySecondsMakeThirtyEqualStepsOfTheRemainingNinetyNinePercent() {
    RolloutSchedule s = new RolloutSchedule(T0, Duration.ofSeconds(30));
    assertEquals(30, s.steps());
    assertEquals(1 + 99 / 30, s.percentAt(T0.plusSeconds(1)));
    assertEquals(1 + 99 * 15 / 30, s.percentAt(T0.plusSeconds(15)));
    int before = 0;
    for (int second = 0; second <= 30; second++) {
      int p = s.percentAt(T0.plusSeconds(second));
      assertTrue(p > before || second == 0, "percent grows every step, at " + second + "s: " + p);
      before = p;
    }
  }

  @Test
  void neverMoreThanNinetyNineStepsSoEachMovesAtLeastOnePercent() {
    RolloutSchedule s = new RolloutSchedule(T0, Duration.ofMinutes(10));
    assertEquals(99, s.steps());
    Instant step = T0.plusNanos(Duration.ofMinutes(10).toNanos() / 99);
    assertEquals(1, s.percentAt(step.minusNanos(1)));
    assertEquals(2, s.percentAt(step.plusNanos(1)));
  }

  @Test
  void aDurationBelowOneSecondIsOneStep() {
    RolloutSchedule s = new RolloutSchedule(T0, Duration.ofMillis(500));
    assertEquals(1, s.steps());
    assertEquals(1, s.percentAt(T0.plusMillis(499)));
    assertEquals(100, s.percentAt(T0.plusMillis(500)));
  }

  @Test
  void nextStepIsWhenTheShareGrowsAndNoneOnceComplete() {
    RolloutSchedule s = new RolloutSchedule(T0, Duration.ofSeconds(7));
    Instant at = T0;
    int steps = 0;
    while (s.nextStepAfter(at) != null) {
      Instant next = s.nextStepAfter(at);
      assertTrue(next.isAfter(at));
      assertTrue(s.percentAt(next) > s.percentAt(at), "the share grows at " + next);
      assertEquals(s.percentAt(at), s.percentAt(next.minusNanos(1)), "and not before");
      at = next;
      steps++;
    }
    assertEquals(7, steps);
    assertEquals(100, s.percentAt(at));
    assertNull(s.nextStepAfter(at));
  }

  @Test
  void refusesAnEmptyDuration() {
    assertThrows(IllegalArgumentException.class, () -> new RolloutSchedule(T0, Duration.ZERO));
  }
}
