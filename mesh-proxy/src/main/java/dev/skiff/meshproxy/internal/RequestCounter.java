package dev.skiff.meshproxy.internal;

import dev.skiff.meshproxy.InstanceStats;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** {@link InstanceStats} counted with a few atomic operations per request. */
public final class RequestCounter implements InstanceStats {
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger proxiedInFlight = new AtomicInteger();
  private final AtomicInteger peak = new AtomicInteger();
  private final LongAdder arrivals = new LongAdder();
  private final LongAdder proxiedArrivals = new LongAdder();
  private long sampleSum;
  private long proxiedSampleSum;
  private int samples;

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

  /** The request that entered with {@code proxied} is over. */
  public void leave(boolean proxied) {
    inFlight.decrementAndGet();
    if (proxied) {
      proxiedInFlight.decrementAndGet();
    }
  }

  @Override
  public int inFlight() {
    return inFlight.get();
  }

  @Override
  public synchronized void sample() {
    sampleSum += inFlight.get();
    proxiedSampleSum += proxiedInFlight.get();
    samples++;
  }

  @Override
  public synchronized Window drain() {
    int now = inFlight.get();
    double average = samples == 0 ? now : (double) sampleSum / samples;
    double proxied = samples == 0 ? proxiedInFlight.get() : (double) proxiedSampleSum / samples;
    sampleSum = 0;
    proxiedSampleSum = 0;
    samples = 0;
    return new Window(
        average,
        proxied,
        Math.max(peak.getAndSet(now), now),
        arrivals.sumThenReset(),
        proxiedArrivals.sumThenReset());
  }
}
