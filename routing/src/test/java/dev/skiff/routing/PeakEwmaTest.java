package dev.skiff.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PeakEwmaTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @Test
  void prefersTheFasterEndpointOfTwo() {
    PeakEwma<String> lb = new PeakEwma<>(now::get, Outliers.never());
    lb.started("slow");
    lb.finished("slow", 50_000_000, false);
    lb.started("fast");
    lb.finished("fast", 1_000_000, false);

    Random random = new Random(1);
    for (int i = 0; i < 100; i++) {
      assertEquals("fast", lb.pick(List.of("slow", "fast"), random));
    }
  }

  @Test
  void weighsRequestsInFlight() {
    PeakEwma<String> lb = new PeakEwma<>(now::get, Outliers.never());
    for (String e : List.of("a", "b")) {
      lb.started(e);
      lb.finished(e, 1_000_000, false);
    }
    lb.started("a");
    lb.started("a");

    assertEquals("b", lb.pick(List.of("a", "b"), new Random(2)));
  }

  @Test
  void aSlowAnswerRaisesTheAverageAtOnceAndItDecaysBack() {
    PeakEwma<String> lb = new PeakEwma<>(now::get, Outliers.never());
    for (String e : List.of("a", "b")) {
      lb.started(e);
      lb.finished(e, 2_000_000, false);
    }
    lb.started("a");
    lb.finished("a", 200_000_000, false);
    assertEquals("b", lb.pick(List.of("a", "b"), new Random(3)));

    now.addAndGet(60 * PeakEwma.DECAY); // nothing observed for a long time: a is tried again
    lb.started("b");
    assertEquals("a", lb.pick(List.of("a", "b"), new Random(3)));
  }

  @Test
  void spreadsOverManyEqualEndpoints() {
    PeakEwma<String> lb = new PeakEwma<>(now::get, Outliers.never());
    List<String> ready = List.of("a", "b", "c", "d");
    Map<String, Integer> picks = new HashMap<>();
    Random random = new Random(4);
    for (int i = 0; i < 4000; i++) {
      String e = lb.pick(ready, random);
      picks.merge(e, 1, Integer::sum);
      lb.started(e);
      lb.finished(e, 1_000_000, false);
    }
    assertEquals(4, picks.size());
    picks.values().forEach(n -> assertTrue(n > 500, picks.toString()));
  }

  @Test
  void leavesEjectedEndpointsOutWhileOthersRemain() {
    Outliers<String> outliers = Outliers.create();
    PeakEwma<String> lb = new PeakEwma<>(now::get, outliers);
    for (int i = 0; i < Outliers.CONSECUTIVE_FAILURES; i++) {
      lb.started("bad");
      lb.finished("bad", 1_000, true);
    }
    Random random = new Random(5);
    for (int i = 0; i < 50; i++) {
      assertEquals("good", lb.pick(List.of("bad", "good"), random));
    }
    assertEquals("bad", lb.pick(List.of("bad"), random), "all ejected: still answer");
  }
}
