package dev.skiff.activator.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The activator's load for one revision: requests queued or in flight through it. The request path
 * pays three atomic operations to enter (count, arrivals, peak) and one to leave. The reporter
 * samples the count every 100 ms and closes a window every second: the average is the mean of the
 * window's samples (a time-weighted average at 100 ms resolution; a request shorter than that may
 * fall between samples, but still shows in the peak and the request count).
 *
 * <p>Sampling and closing windows run on the reporter's one thread at a time (the ticker's
 * contract), so their fields need no synchronization.
 */
final class RevisionLoad {
  /** A count far below zero: the revision was forgotten, and entering it fails. */
  private static final long CLOSED = Long.MIN_VALUE / 2;

  private final AtomicLong concurrency = new AtomicLong();
  private final AtomicLong peak = new AtomicLong();
  private final LongAdder arrivals = new LongAdder();

  // Reporter thread only.
  private long sampleSum;
  private long sampleMax;
  private long idleWindows;

  /** Counts a request in; false when the revision was forgotten meanwhile (look it up again). */
  boolean enter() {
    long now = concurrency.incrementAndGet();
    if (now <= 0) {
      return false;
    }
    arrivals.increment();
    peak.accumulateAndGet(now, Math::max);
    return true;
  }

  /** Counts a request out: its response ended, or it failed, or it was given up. */
  void leave() {
    concurrency.decrementAndGet();
  }

  /** Requests queued or in flight now. */
  long current() {
    return Math.max(0, concurrency.get());
  }

  void sample() {
    long c = current();
    sampleSum += c;
    sampleMax = Math.max(sampleMax, c);
  }

  /**
   * Ends the window of {@code samples} samples and starts the next one.
   *
   * @return the window's average and peak concurrency and its arrivals
   */
  Window closeWindow(int samples) {
    double average = (double) sampleSum / samples;
    long arrived = arrivals.sumThenReset();
    // The next window's peak starts from what is in flight as it opens.
    long windowPeak = peak.getAndSet(0);
    peak.accumulateAndGet(current(), Math::max);
    Window w = new Window(average, Math.max(windowPeak, sampleMax), arrived);
    sampleSum = 0;
    sampleMax = 0;
    idleWindows = w.hasTraffic() || current() > 0 ? 0 : idleWindows + 1;
    return w;
  }

  /** Windows in a row without any request. */
  long idleWindows() {
    return idleWindows;
  }

  /** True once the revision was forgotten. */
  boolean closed() {
    return concurrency.get() < 0;
  }

  /** Marks the revision forgotten if nothing is queued or in flight; entering then fails. */
  boolean tryClose() {
    return concurrency.compareAndSet(0, CLOSED);
  }

  /** One second of load. */
  record Window(double averageConcurrency, long peakConcurrency, long requests) {
    boolean hasTraffic() {
      return averageConcurrency > 0 || peakConcurrency > 0 || requests > 0;
    }
  }
}
