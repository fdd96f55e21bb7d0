package dev.skiff.activator.internal;

import dev.skiff.activator.spi.EndpointWatch;
import dev.skiff.api.stats.RevisionKey;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;

/**
 * What the activator keeps per revision while it sees requests for it: the throttler (queue and
 * slots), the load counters, the endpoint subscription and the revision's meters.
 */
final class RevisionState {
  private final RevisionKey key;
  private final RevisionThrottler throttler;
  private final RevisionLoad load = new RevisionLoad();
  private final EndpointWatch.Subscription subscription;
  private final Timer queueWait;
  // Written by the thread that activates the state after publishing it, read when it is closed.
  private volatile Meter depthGauge;
  private volatile Meter concurrencyGauge;

  RevisionState(
      RevisionKey key,
      RevisionThrottler throttler,
      EndpointWatch.Subscription subscription,
      Timer queueWait) {
    this.key = key;
    this.throttler = throttler;
    this.subscription = subscription;
    this.queueWait = queueWait;
  }

  RevisionKey key() {
    return key;
  }

  RevisionThrottler throttler() {
    return throttler;
  }

  RevisionLoad load() {
    return load;
  }

  Timer queueWait() {
    return queueWait;
  }

  /**
   * Registers the revision's gauges; once, when the state won its place in the registry (a gauge is
   * bound to its state object, so a state that lost the race must not register one).
   */
  void activate(ActivatorMetrics metrics) {
    depthGauge = metrics.queueDepth(key, throttler);
    concurrencyGauge = metrics.concurrency(key, load);
  }

  /** Stops watching endpoints, and removes the gauges if they were registered. */
  void close(ActivatorMetrics metrics) {
    subscription.cancel();
    Meter depth = depthGauge;
    Meter concurrency = concurrencyGauge;
    if (depth != null) {
      metrics.remove(depth);
    }
    if (concurrency != null) {
      metrics.remove(concurrency);
    }
  }
}
