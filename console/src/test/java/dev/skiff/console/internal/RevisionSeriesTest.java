package dev.skiff.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class RevisionSeriesTest {
  @Test
  void aRevisionIdleForItsWholeWindowKeepsTimesNotArrays() {
    RevisionSeries s = new RevisionSeries();
    s.add(1_000, 1, 5, 0, null, 3); // the first sample: the counts to start from
    s.add(2_000, 1, 6, 0, null, 3); // one request
    assertEquals(1, s.pointArrays());
    for (int i = 3; i <= 5; i++) {
      s.add(1_000L * i, 1, 6, 0, null, 3); // nothing since
    }

    List<double[]> points = s.points();
    assertEquals(3, points.size());
    for (int i = 0; i < 3; i++) {
      assertEquals(3_000 + 1_000 * i, points.get(i)[0]);
      assertEquals(0, points.get(i)[1]);
    }
    assertEquals(0, s.pointArrays());
    assertEquals(6, s.requests());
  }
}
