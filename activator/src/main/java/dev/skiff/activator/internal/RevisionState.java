package dev.skiff.activator.internal;

import dev.skiff.activator.spi.EndpointWatch;
import dev.skiff.api.stats.RevisionKey;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the activator keeps per revision while it sees requests for it: the throttler (queue and
 * slots), the load counters, the endpoint subscription and the revision's queue-wait timer, which
 * {@link RevisionMeters} registers off the request's path.
 */
final class RevisionState {
  private final RevisionKey key;
  private final RevisionThrottler throttler;
  private final RevisionLoad load = new RevisionLoad();
  private final EndpointWatch.Subscription subscription;
  private final RevisionMeters meters;
  private final AtomicBoolean metersClaimed = new AtomicBoolean();
  // Null until the meters thread has registered the timer.
  private volatile Timer queueWait;

  RevisionState(
      RevisionKey key,
      RevisionThrottler throttler,
      EndpointWatch.Subscription subscription,
      RevisionMeters meters) {
    this.key = key;
    this.throttler = throttler;
    this.subscription = subscription;
    this.meters = meters;
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

  /** True the first time only: the caller has the meters registered. */
  boolean claimMeters() {
    // A read first: every request asks, and after the first the answer never changes.
    return !metersClaimed.get() && metersClaimed.compareAndSet(false, true);
  }

  /** Called by the meters thread once the revision's timer is registered. */
  void queueWait(Timer timer) {
    this.queueWait = timer;
  }

  /**
   * Records how long a request waited for a slot; into the timer at once if it is registered,
   * otherwise on the meters thread once it is.
   */
  void recordQueueWait(long nanos) {
    Timer t = queueWait;
    if (t != null) {
      t.record(nanos, TimeUnit.NANOSECONDS);
    } else {
      meters.recordQueueWait(key, nanos);
    }
  }

  /** Stops watching endpoints. */
  void close() {
    subscription.cancel();
  }
}
