package dev.skiff.node.stats;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts one instance's requests on the request path with a few atomic operations: in-flight now,
 * peak since the last report, arrivals since the last report. Average concurrency comes from {@link
 * #sample()}, called on a fixed beat (every 100 ms) by the reporter. Thread-safe.
 */
public final class RequestTracker {
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger peak = new AtomicInteger();
  private final LongAdder arrivals = new LongAdder();
  private long sampleSum;
  private int samples;

  /** A request arrived. */
  public void enter() {
    int now = inFlight.incrementAndGet();
    arrivals.increment();
    peak.accumulateAndGet(now, Math::max);
  }

  /** A request finished, whatever its outcome. */
  public void leave() {
    inFlight.decrementAndGet();
  }

  public int inFlight() {
    return inFlight.get();
  }

  /** Takes one concurrency sample. Called by the reporter only. */
  public synchronized void sample() {
    sampleSum += inFlight.get();
    samples++;
  }

  /** The window since the last call: average and peak concurrency, and arrivals. Reporter only. */
  public synchronized Window drain() {
    double average = samples == 0 ? inFlight.get() : (double) sampleSum / samples;
    sampleSum = 0;
    samples = 0;
    int nowInFlight = inFlight.get();
    return new Window(
        average, Math.max(peak.getAndSet(nowInFlight), nowInFlight), arrivals.sumThenReset());
  }

  /**
   * One reporting window.
   *
   * @param averageConcurrency mean in-flight requests over the window
   * @param peakConcurrency most in-flight requests at once
   * @param requests arrivals in the window
   */
  public record Window(double averageConcurrency, int peakConcurrency, long requests) {}
}
