package dev.skiff.console.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class PointsTest {
  @Test
  void quietPointsComeBackAsZerosWithTheirTimesInOrder() {
    Points points = new Points(4);
    points.add(1_000, 0, 0, 0, 0, 0);
    points.add(2_000, 5, 1, 2, 3, 4);
    points.add(3_000, 0, 0, 0, 0, 0);

    List<double[]> list = points.list();

    assertEquals(3, list.size());
    assertArrayEquals(new double[] {1_000, 0, 0, 0, 0, 0}, list.get(0));
    assertArrayEquals(new double[] {2_000, 5, 1, 2, 3, 4}, list.get(1));
    assertArrayEquals(new double[] {3_000, 0, 0, 0, 0, 0}, list.get(2));
  }

  @Test
  void anIdleWindowHoldsNoArrayPerPoint() {
    Points points = new Points(120);
    points.add(0, 7, 0, 1, 2, 3);
    for (int i = 1; i <= 120; i++) {
      points.add(1_000L * i, 0, 0, 0, 0, 0);
    }

    assertEquals(120, points.size());
    assertEquals(0, points.arrays(), "the busy point left the window; quiet ones keep only times");
    assertEquals(120_000, points.list().get(119)[0]);
    assertEquals(1_000, points.list().get(0)[0], "the oldest kept is the first quiet one");
  }

  @Test
  void aFullWindowDropsTheOldestAndReusesItsArrayForABusyPoint() {
    Points points = new Points(2);
    points.add(1_000, 1, 0, 0, 0, 0);
    double[] first = points.list().get(0);
    points.add(2_000, 2, 0, 0, 0, 0);
    points.add(3_000, 3, 0, 0, 0, 0);

    List<double[]> list = points.list();
    assertEquals(2, list.size());
    assertEquals(2_000, list.get(0)[0]);
    assertEquals(3_000, list.get(1)[0]);
    assertSame(first, list.get(1), "the new busy point took the dropped one's array");
  }

  @Test
  void errorsAloneMakeABusyPoint() {
    Points points = new Points(2);
    points.add(1_000, 0, 0.5, 0, 0, 0);

    assertEquals(1, points.arrays());
    assertArrayEquals(new double[] {1_000, 0, 0.5, 0, 0, 0}, points.list().get(0));
  }

  @Test
  void refusesAWindowOfNoPoints() {
    assertThrows(IllegalArgumentException.class, () -> new Points(0));
  }
}
