package dev.skiff.autoscaler.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BucketWindowTest {
  static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  static final Duration STABLE = Duration.ofSeconds(60);
  static final Duration PANIC = Duration.ofSeconds(6);

  static Instant at(double seconds) {
    return T0.plusMillis(Math.round(seconds * 1000));
  }

  @Test
  void secondsWithoutReportsCountAsZero() {
    var w = new BucketWindow(60);
    w.record(at(0), 10, 10, true);
    w.record(at(2), 20, 20, true);
    // Seconds 0..5 since the first report: (10 + 0 + 20 + 0 + 0 + 0) / 6.
    assertEquals(5.0, w.average(STABLE, at(5)).concurrency(), 1e-9);
    assertEquals(5.0, w.average(STABLE, at(5)).rps(), 1e-9);
  }

  @Test
  void averagesOverTheWholeWindowOnceItIsFull() {
    var w = new BucketWindow(60);
    for (int s = 0; s < 100; s++) {
      w.record(at(s), s < 70 ? 0 : 6, 0, s >= 70);
    }
    // Seconds 40..99 of which 30 (70..99) carry 6.
    assertEquals(3.0, w.average(STABLE, at(99)).concurrency(), 1e-9);
    // Panic window: seconds 94..99, all 6.
    assertEquals(6.0, w.average(PANIC, at(99)).concurrency(), 1e-9);
  }

  @Test
  void panicWindowSeesOnlyItsLastSeconds() {
    var w = new BucketWindow(60);
    w.record(at(0), 120, 0, true);
    // At second 10 the panic window (5..10) is empty; the stable one still carries the burst.
    assertEquals(0.0, w.average(PANIC, at(10)).concurrency(), 1e-9);
    assertEquals(120.0 / 11, w.average(STABLE, at(10)).concurrency(), 1e-9);
  }

  @Test
  void dataOlderThanTheWindowDropsOut() {
    var w = new BucketWindow(60);
    w.record(at(0), 50, 5, true);
    assertEquals(0.0, w.average(STABLE, at(60)).concurrency(), 1e-9);
    assertEquals(at(0), w.lastTraffic());
  }

  @Test
  void anIdleWindowLetsItsBucketsGoAndStillAveragesAsBefore() {
    var w = new BucketWindow(60);
    w.record(at(0), 50, 5, true);
    assertEquals(50.0 / 60, w.average(STABLE, at(59)).concurrency(), 1e-9);
    assertTrue(w.holdsBuckets());

    // Second 0 is out of every window this one is asked for from second 60 on.
    assertEquals(0.0, w.average(STABLE, at(60)).concurrency(), 1e-9);
    assertEquals(0.0, w.average(PANIC, at(60)).rps(), 1e-9);
    assertFalse(w.holdsBuckets());
    assertEquals(at(0), w.lastTraffic());

    // The next report brings them back; the first second still bounds what is averaged.
    w.record(at(100), 12, 6, true);
    assertTrue(w.holdsBuckets());
    assertEquals(12.0 / 6, w.average(PANIC, at(100)).concurrency(), 1e-9);
    assertEquals(12.0 / 60, w.average(STABLE, at(100)).concurrency(), 1e-9);
    assertEquals(at(100), w.lastTraffic());
  }

  @Test
  void reportsOfNoLoadHoldNoBucketsYetCountAsSecondsOfZero() {
    var w = new BucketWindow(60);
    for (int s = 0; s < 10; s++) {
      w.record(at(s), 0, 0, false);
    }
    assertFalse(w.holdsBuckets());
    assertEquals(0.0, w.average(STABLE, at(9)).concurrency(), 1e-9);

    // Seconds 0..10 since the first report, of which second 10 carries 11.
    w.record(at(10), 11, 22, true);
    assertTrue(w.holdsBuckets());
    assertEquals(1.0, w.average(STABLE, at(10)).concurrency(), 1e-9);
    assertEquals(2.0, w.average(STABLE, at(10)).rps(), 1e-9);
  }

  @Test
  void bucketsLeftHoldingOnlyZerosGoOnceTheLoadAgesOut() {
    var w = new BucketWindow(60);
    w.record(at(0), 60, 0, true);
    for (int s = 1; s < 60; s++) {
      w.record(at(s), 0, 0, false);
    }
    assertEquals(1.0, w.average(STABLE, at(59)).concurrency(), 1e-9);
    assertTrue(w.holdsBuckets());

    assertEquals(0.0, w.average(STABLE, at(60)).concurrency(), 1e-9);
    assertFalse(w.holdsBuckets());
    w.record(at(61), 0, 0, false);
    assertFalse(w.holdsBuckets());
    w.record(at(62), 6, 0, true);
    assertEquals(1.0, w.average(PANIC, at(62)).concurrency(), 1e-9);
  }

  @Test
  void aLongerWindowAskedWhileIdleIsHonouredWhenReportsResume() {
    var w = new BucketWindow(6);
    w.record(at(0), 6, 6, true);
    assertEquals(0.0, w.average(PANIC, at(10)).concurrency(), 1e-9);
    assertFalse(w.holdsBuckets());

    assertEquals(0.0, w.average(STABLE, at(20)).concurrency(), 1e-9);
    for (int s = 30; s < 90; s++) {
      w.record(at(s), 3, 0, true);
    }
    // All 60 seconds of the stable window are held, not only the 6 it was built for.
    assertEquals(3.0, w.average(STABLE, at(89)).concurrency(), 1e-9);
  }

  @Test
  void reportsInTheSameSecondAddUp() {
    var w = new BucketWindow(60);
    w.record(at(3.1), 4, 1, true);
    w.record(at(3.7), 6, 2, true);
    assertEquals(10.0, w.average(PANIC, at(3.9)).concurrency(), 1e-9);
    assertEquals(3.0, w.average(PANIC, at(3.9)).rps(), 1e-9);
  }

  @Test
  void reportsOlderThanTheKeptBucketsAreDropped() {
    var w = new BucketWindow(6);
    w.record(at(10), 1, 0, true);
    w.record(at(4), 100, 0, true); // same slot as second 10, six seconds older
    assertEquals(1.0 / 6, w.average(PANIC, at(15)).concurrency(), 1e-9);
  }

  @Test
  void growsWhenAskedForALongerWindowKeepingWhatItHas() {
    var w = new BucketWindow(6);
    w.record(at(0), 12, 0, true);
    assertEquals(12.0 / 6, w.average(STABLE, at(5)).concurrency(), 1e-9);
    w.record(at(30), 18, 0, true);
    assertEquals(30.0 / 31, w.average(STABLE, at(30)).concurrency(), 1e-9);
  }

  @Test
  void reportsWithoutTrafficLeaveLastTrafficAlone() {
    var w = new BucketWindow(60);
    w.record(at(1), 0, 0, false);
    assertNull(w.lastTraffic());
    assertEquals(0.0, w.average(STABLE, at(1)).concurrency(), 1e-9);
  }

  @Test
  void windowLengthsRoundUpToWholeSeconds() {
    assertEquals(7, BucketWindow.buckets(Duration.ofMillis(6100)));
    assertEquals(6, BucketWindow.buckets(Duration.ofSeconds(6)));
    assertEquals(1, BucketWindow.buckets(Duration.ZERO));
  }
}
