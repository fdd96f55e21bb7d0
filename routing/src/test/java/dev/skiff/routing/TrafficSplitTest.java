package dev.skiff.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TrafficSplitTest {

  @Test
  void rollsMapOntoRevisionsByCumulativeWeight() {
    TrafficSplit split = TrafficSplit.of(ordered("a", 80, "b", 20));

    assertEquals("a", split.at(0));
    assertEquals("a", split.at(79));
    assertEquals("b", split.at(80));
    assertEquals("b", split.at(99));
  }

  @Test
  void zeroPercentEntriesAreNeverPicked() {
    TrafficSplit split = TrafficSplit.of(ordered("a", 0, "b", 100));
    Random random = new Random(1);

    for (int i = 0; i < 1000; i++) {
      assertEquals("b", split.pick(random));
    }
    assertEquals(Map.of("b", 100), split.weights());
  }

  @Test
  void splitWithoutWeightPicksNothing() {
    assertTrue(TrafficSplit.of(ordered("a", 0, "b", 0)).isEmpty());
    assertNull(TrafficSplit.empty().pick(new Random(1)));
  }

  private static Map<String, Integer> ordered(String a, int wa, String b, int wb) {
    Map<String, Integer> m = new LinkedHashMap<>();
    m.put(a, wa);
    m.put(b, wb);
    return m;
  }
}
