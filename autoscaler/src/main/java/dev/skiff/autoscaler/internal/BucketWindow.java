package dev.skiff.autoscaler.internal;

import dev.skiff.autoscaler.WindowedStats;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * One revision's load in per-second buckets, the idea of Knative's {@code TimedFloat64Buckets}:
 * every report adds to the bucket of its second, so a bucket holds the sum over all reporters; a
 * window's average is the sum of its buckets divided by its seconds. Seconds without reports count
 * as zero, except those before the first report ever, which are left out so a new revision's first
 * seconds are not diluted by a window of nothing. Thread-safe.
 *
 * <p>A window whose every bucket has aged out or holds zero (a revision at zero, which nobody
 * reports on, or whose instances reported no load) lets its buckets go and keeps only its first
 * second and last traffic: with a thousand services at zero, a minute of buckets each was most of
 * what the autoscaler held. The next report of some load allocates them again; reports of none do
 * not. What the averages say does not change, since missing buckets count as zero anyway.
 */
public final class BucketWindow {
  private static final long EMPTY = Long.MIN_VALUE;

  /** The buckets; null while every bucket has aged out. */
  private long[] seconds;

  private double[] concurrency;
  private double[] requests;
  private int capacity;
  private long firstSecond = EMPTY;
  private long newestSecond = EMPTY;

  /** The newest second whose bucket is not zero. */
  private long newestLoad = EMPTY;

  private Instant lastTraffic;

  /** The stats of no load with {@link #lastTraffic}, kept for {@link #idle}. */
  private WindowedStats idle = WindowedStats.NONE;

  /** A window able to average over up to {@code capacitySeconds}; it grows when asked for more. */
  public BucketWindow(int capacitySeconds) {
    capacity = Math.max(1, capacitySeconds);
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
    boolean zero = concurrency == 0 && requests == 0;
    if (seconds == null) {
      if (newestSecond != EMPTY && second <= newestSecond - capacity) {
        return;
      }
      if (zero) {
        // A bucket of zeros adds what no bucket adds: only the seconds it spans are noted.
        noteSeconds(second, at, traffic);
        return;
      }
      allocate(capacity);
    }
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
    if (!zero && (newestLoad == EMPTY || second > newestLoad)) {
      newestLoad = second;
    }
    noteSeconds(second, at, traffic);
  }

  private void noteSeconds(long second, Instant at, boolean traffic) {
    if (firstSecond == EMPTY || second < firstSecond) {
      firstSecond = second;
    }
    if (second > newestSecond) {
      newestSecond = second;
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
    if (span > capacity) {
      capacity = span;
      if (seconds != null) {
        grow(span);
      }
    }
    long last = now.getEpochSecond();
    if (seconds != null && (newestLoad == EMPTY || newestLoad <= last - capacity)) {
      // No window this one may be asked for reaches back to a bucket that is not zero: let them
      // go (a bucket of zeros adds nothing).
      seconds = null;
      concurrency = null;
      requests = null;
    }
    if (firstSecond == EMPTY || firstSecond > last || seconds == null) {
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
    return c == 0 && r == 0 ? Averages.ZERO : new Averages(c / n, r / n);
  }

  /** When a report last saw a request; null when none did. */
  public synchronized Instant lastTraffic() {
    return lastTraffic;
  }

  /**
   * The windowed stats of no load with {@code lastTraffic}: the same object while that does not
   * change.
   */
  synchronized WindowedStats idle(Instant lastTraffic) {
    if (!Objects.equals(idle.lastTraffic(), lastTraffic)) {
      idle = new WindowedStats(0, 0, 0, 0, lastTraffic);
    }
    return idle;
  }

  /** Whether the buckets are held (false while every one has aged out). */
  synchronized boolean holdsBuckets() {
    return seconds != null;
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
