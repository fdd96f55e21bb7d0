package dev.skiff.console.internal;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One revision's points, each {@code {time ms, requests/s, 5xx/s, p50 ms, p90 ms, p99 ms}}: the
 * differences between two samples of the gateway's counters and latency histogram. The histogram's
 * buckets are cumulative over the process's life (Prometheus's), so the buckets that filled in one
 * second are the difference of two snapshots. Not thread-safe: {@link RevisionStats} holds its
 * lock.
 */
final class RevisionSeries {
  // Made at the first point: a revision that never had a request (every one at zero after a
  // deploy) keeps none.
  private Points points;
  private double lastCount = -1;
  private double lastErrors;
  private double[] lastBuckets;
  private double[] bounds;
  private Timer lastTimer;
  private long lastTimerCount;
  private int desired;
  private int ready;
  private double coldStarts;
  private double coldStartMeanMs;

  /**
   * Adds the point since the previous call ({@code seconds} ago) from the revision's request and
   * 5xx counts and its latency timer (null: none yet); keeps the last {@code history} points. Once
   * {@code history} points are held, the oldest one's array carries the new point, a quiet point is
   * held as its time alone ({@link Points}), and the timer's histogram is read only when its count
   * moved, so a revision without traffic allocates nothing.
   */
  void add(long t, double seconds, double count, double errors, Timer timer, int history) {
    double[] cumulative = lastBuckets;
    boolean latencyMoved = false;
    if (timer != null) {
      // The count is read before the histogram, and Micrometer adds to the histogram before the
      // count: a snapshot taken for a count holds at least the values counted.
      long timerCount = timer.count();
      if (lastBuckets == null || timer != lastTimer || timerCount != lastTimerCount) {
        CountAtBucket[] b = timer.takeSnapshot().histogramCounts();
        if (bounds == null || bounds.length != b.length) {
          bounds = new double[b.length];
        }
        cumulative = new double[b.length];
        for (int i = 0; i < b.length; i++) {
          bounds[i] = b[i].bucket(TimeUnit.MILLISECONDS);
          cumulative[i] = b[i].count();
        }
        lastTimer = timer;
        lastTimerCount = timerCount;
        latencyMoved = true;
      }
    } else {
      cumulative = null;
    }
    if (lastCount >= 0 && count >= lastCount) {
      if (points == null || points.capacity() != Math.max(1, history)) {
        points = new Points(Math.max(1, history));
      }
      double p50 = 0;
      double p90 = 0;
      double p99 = 0;
      // Unchanged buckets since the last point: nothing filled in, every quantile is 0.
      if (latencyMoved && lastBuckets != null && lastBuckets.length == cumulative.length) {
        double[] delta = new double[cumulative.length];
        for (int i = 0; i < delta.length; i++) {
          double now = cumulative[i] - (i == 0 ? 0 : cumulative[i - 1]);
          double before = lastBuckets[i] - (i == 0 ? 0 : lastBuckets[i - 1]);
          delta[i] = Math.max(0, now - before);
        }
        p50 = quantile(bounds, delta, 0.50);
        p90 = quantile(bounds, delta, 0.90);
        p99 = quantile(bounds, delta, 0.99);
      }
      points.add(t, (count - lastCount) / seconds, (errors - lastErrors) / seconds, p50, p90, p99);
    }
    lastCount = count;
    lastErrors = errors;
    lastBuckets = cumulative;
  }

  /** The points held, oldest first; the arrays are valid until the next {@link #add}. */
  List<double[]> points() {
    return points == null ? List.of() : points.list();
  }

  /** How many of the points are held as arrays (see {@link Points}); 0 before the first. */
  int pointArrays() {
    return points == null ? 0 : points.arrays();
  }

  double requests() {
    return Math.max(0, lastCount);
  }

  int desired() {
    return desired;
  }

  void desired(int n) {
    desired = n;
  }

  int ready() {
    return ready;
  }

  void ready(int n) {
    ready = n;
  }

  double coldStarts() {
    return coldStarts;
  }

  double coldStartMeanMs() {
    return coldStartMeanMs;
  }

  void coldStarts(double count, double meanMs) {
    coldStarts = count;
    coldStartMeanMs = meanMs;
  }

  /**
   * The {@code q} quantile (0..1) in milliseconds of the values counted in {@code delta} (per
   * bucket, not cumulative) with upper bounds {@code bounds} (ms, ascending); 0 when empty.
   */
  static double quantile(double[] bounds, double[] delta, double q) {
    double total = 0;
    for (double d : delta) {
      total += d;
    }
    if (total <= 0) {
      return 0;
    }
    double rank = q * total;
    double seen = 0;
    for (int i = 0; i < delta.length; i++) {
      if (delta[i] > 0 && seen + delta[i] >= rank) {
        double lower = i == 0 ? 0 : bounds[i - 1];
        return lower + (bounds[i] - lower) * ((rank - seen) / delta[i]);
      }
      seen += delta[i];
    }
    return bounds[bounds.length - 1];
  }
}
