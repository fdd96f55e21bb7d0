package dev.skiff.node.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.node.container.internal.StartProbeSchedule;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class StartProbeScheduleTest {
  private static final long INTERVAL = 50;
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  @Test
  void probesWithinAQuarterMillisecondRightAfterTheExec() {
    // A workload that listens a few hundred microseconds after its exec (hello-server) was found
    // up to a whole millisecond late when the schedule's floor was 1 ms.
    assertEquals(250_000, StartProbeSchedule.nextDelayNanos(0, INTERVAL));
    assertEquals(250_000, StartProbeSchedule.nextDelayNanos(3 * MS, INTERVAL));
    assertTrue(StartProbeSchedule.nextDelayNanos(15 * MS, INTERVAL) < MS);
  }

  @Test
  void findsAWorkloadWithinASixteenthOfItsStartUpTimeAfterItListens() {
    // Walk the schedule as the backend does; wherever the workload begins to listen, the next probe
    // comes at most max(a quarter millisecond, a sixteenth of the time run) later, never a whole
    // interval.
    for (long listensAt = 100_000; listensAt <= 400 * MS; listensAt += 97_000) {
      long t = 0;
      while (t < listensAt) {
        t += StartProbeSchedule.nextDelayNanos(t, INTERVAL);
      }
      long late = t - listensAt;
      assertTrue(
          late <= Math.max(250_000, Math.min(INTERVAL * MS, t / 16)),
          "listening at " + listensAt + " ns is found at " + t + " ns");
    }
  }

  @Test
  void neverWaitsLongerThanTheIntervalNorProbesMoreOftenThanEveryQuarterMillisecond() {
    assertEquals(INTERVAL * MS, StartProbeSchedule.nextDelayNanos(60_000 * MS, INTERVAL));
    assertEquals(250_000, StartProbeSchedule.nextDelayNanos(60_000 * MS, 0));
  }

  @Test
  void probesAFewDozenTimesInTheFirstInterval() {
    int probes = 0;
    for (long t = 0; t < INTERVAL * MS; t += StartProbeSchedule.nextDelayNanos(t, INTERVAL)) {
      probes++;
    }
    assertTrue(probes <= 60, probes + " probes in the first " + INTERVAL + " ms");
  }
}
