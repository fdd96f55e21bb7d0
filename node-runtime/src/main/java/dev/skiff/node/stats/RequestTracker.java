package dev.skiff.node.stats;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts one instance's requests on the request path with a few atomic operations: in-flight now,
 * peak since the last report, arrivals since the last report, and the share of both that the
 * activator forwarded (the activator reports those itself, so the autoscaler takes them out of the
 * instance's numbers, as Knative does). Average concurrency comes from {@link #sample()}, called on
 * a fixed beat (every 100 ms) by the reporter. Thread-safe.
 */
public final class RequestTracker {
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger proxiedInFlight = new AtomicInteger();
  private final AtomicInteger peak = new AtomicInteger();
  private final LongAdder arrivals = new LongAdder();
  private final LongAdder proxiedArrivals = new LongAdder();
  private long sampleSum;
  private long proxiedSampleSum;
  private int samples;

  /** A request arrived, not through the activator. */
  public void enter() {
    enter(false);
  }

  /** A request arrived; {@code proxied} when the activator forwarded it. */
  public void enter(boolean proxied) {
    int now = inFlight.incrementAndGet();
    arrivals.increment();
    if (proxied) {
      proxiedInFlight.incrementAndGet();
      proxiedArrivals.increment();
    }
    peak.accumulateAndGet(now, Math::max);
  }

  /** A request that entered with {@link #enter()} finished, whatever its outcome. */
  public void leave() {
    leave(false);
  }

  /** A request that entered with {@code proxied} finished, whatever its outcome. */
  public void leave(boolean proxied) {
    inFlight.decrementAndGet();
    if (proxied) {
      proxiedInFlight.decrementAndGet();
    }
  }

  public int inFlight() {
    return inFlight.get();
  }

  /** Takes one concurrency sample. Called by the reporter only. */
  public synchronized void sample() {
    sampleSum += inFlight.get();
    proxiedSampleSum += proxiedInFlight.get();
    samples++;
  }

  /** The window since the last call: average and peak concurrency, and arrivals. Reporter only. */
  public synchronized Window drain() {
    int nowInFlight = inFlight.get();
    double average = samples == 0 ? nowInFlight : (double) sampleSum / samples;
    double proxied = samples == 0 ? proxiedInFlight.get() : (double) proxiedSampleSum / samples;
    sampleSum = 0;
    proxiedSampleSum = 0;
    samples = 0;
    return new Window(
        average,
        proxied,
        Math.max(peak.getAndSet(nowInFlight), nowInFlight),
        arrivals.sumThenReset(),
        proxiedArrivals.sumThenReset());
  }

  /**
   * One reporting window.
   *
   * @param averageConcurrency mean in-flight requests over the window
   * @param averageProxiedConcurrency the part of it the activator forwarded
   * @param peakConcurrency most in-flight requests at once
   * @param requests arrivals in the window
   * @param proxiedRequests the arrivals the activator forwarded
   */
  public record Window(
      double averageConcurrency,
      double averageProxiedConcurrency,
      int peakConcurrency,
      long requests,
      long proxiedRequests) {}
}
