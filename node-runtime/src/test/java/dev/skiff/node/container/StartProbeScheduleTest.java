package dev.skiff.node.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.node.container.internal.StartProbeSchedule;
import org.junit.jupiter.api.Test;

class StartProbeScheduleTest {
  private static final long INTERVAL = 50;

  @Test
  void probesWithinAMillisecondRightAfterTheStart() {
    assertEquals(1, StartProbeSchedule.nextDelayMillis(0, INTERVAL));
    assertEquals(1, StartProbeSchedule.nextDelayMillis(15, INTERVAL));
  }

  @Test
  void findsAWorkloadWithinASixteenthOfItsStartUpTimeAfterItListens() {
    // Walk the schedule as the backend does; wherever the workload begins to listen, the next probe
    // comes at most max(1 ms, a sixteenth of the time run) later, never a whole interval.
    for (long listensAt = 1; listensAt <= 400; listensAt++) {
      long t = 0;
      while (t < listensAt) {
        t += StartProbeSchedule.nextDelayMillis(t, INTERVAL);
      }
      long late = t - listensAt;
      assertTrue(
          late <= Math.max(1, Math.min(INTERVAL, t / 16)),
          "listening at " + listensAt + " ms is found at " + t + " ms");
    }
  }

  @Test
  void neverWaitsLongerThanTheIntervalNorProbesMoreOftenThanEveryMillisecond() {
    assertEquals(INTERVAL, StartProbeSchedule.nextDelayMillis(60_000, INTERVAL));
    assertEquals(1, StartProbeSchedule.nextDelayMillis(60_000, 0));
  }

  @Test
  void probesAFewDozenTimesInTheFirstInterval() {
    int probes = 0;
    for (long t = 0; t < INTERVAL; t += StartProbeSchedule.nextDelayMillis(t, INTERVAL)) {
      probes++;
    }
    assertTrue(probes <= 45, probes + " probes in the first " + INTERVAL + " ms");
  }
}
