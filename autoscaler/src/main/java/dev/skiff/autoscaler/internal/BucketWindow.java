package dev.skiff.autoscaler.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

/**
 * One revision's load in per-second buckets, the idea of Knative's {@code TimedFloat64Buckets}:
 * every report adds to the bucket of its second, so a bucket holds the sum over all reporters; a
 * window's average is the sum of its buckets divided by its seconds. Seconds without reports count
 * as zero, except those before the first report ever, which are left out so a new revision's first
 * seconds are not diluted by a window of nothing. Thread-safe.
 */
public final class BucketWindow {
  private static final long EMPTY = Long.MIN_VALUE;

  private long[] seconds;
  private double[] concurrency;
  private double[] requests;
  private long firstSecond = EMPTY;
  private Instant lastTraffic;

  /** A window able to average over up to {@code capacitySeconds}; it grows when asked for more. */
  public BucketWindow(int capacitySeconds) {
    allocate(Math.max(1, capacitySeconds));
  }

  /** The number of one-second buckets a window of this length spans, at least one. */
  public static int buckets(Duration window) {
    return (int) Math.max(1, (window.toMillis() + 999) / 1000);
  }

  /**
   * Adds a report's concurrency and requests to the bucket of {@code at}. Reports older than the
   * buckets kept are dropped. {@code traffic} says whether the report saw any request.
   */
  public synchronized void record(
      Instant at, double concurrency, double requests, boolean traffic) {
    long second = at.getEpochSecond();
    int i = index(second);
    if (seconds[i] > second) {
      return;
    }
    if (seconds[i] != second) {
      seconds[i] = second;
      this.concurrency[i] = 0;
      this.requests[i] = 0;
    }
    this.concurrency[i] += concurrency;
    this.requests[i] += requests;
    if (firstSecond == EMPTY || second < firstSecond) {
      firstSecond = second;
    }
    if (traffic && (lastTraffic == null || at.isAfter(lastTraffic))) {
      lastTraffic = at;
    }
  }

  /**
   * Average concurrency and requests per second over {@code window} ending with {@code now}'s
   * second.
   */
  public synchronized Averages average(Duration window, Instant now) {
    int span = buckets(window);
    if (span > seconds.length) {
      grow(span);
    }
    long last = now.getEpochSecond();
    if (firstSecond == EMPTY || firstSecond > last) {
      return Averages.ZERO;
    }
    long first = Math.max(last - span + 1, firstSecond);
    double c = 0;
    double r = 0;
    for (long s = first; s <= last; s++) {
      int i = index(s);
      if (seconds[i] == s) {
        c += concurrency[i];
        r += requests[i];
      }
    }
    long n = last - first + 1;
    return new Averages(c / n, r / n);
  }

  /** When a report last saw a request; null when none did. */
  public synchronized Instant lastTraffic() {
    return lastTraffic;
  }

  private int index(long second) {
    return (int) Math.floorMod(second, (long) seconds.length);
  }

  private void allocate(int size) {
    seconds = new long[size];
    Arrays.fill(seconds, EMPTY);
    concurrency = new double[size];
    requests = new double[size];
  }

  private void grow(int size) {
    long[] oldSeconds = seconds;
    double[] oldConcurrency = concurrency;
    double[] oldRequests = requests;
    allocate(size);
    for (int j = 0; j < oldSeconds.length; j++) {
      if (oldSeconds[j] != EMPTY) {
        int i = index(oldSeconds[j]);
        seconds[i] = oldSeconds[j];
        concurrency[i] = oldConcurrency[j];
        requests[i] = oldRequests[j];
      }
    }
  }

  /** Window averages: requests in flight, and requests per second. */
  public record Averages(double concurrency, double rps) {
    static final Averages ZERO = new Averages(0, 0);
  }
}
