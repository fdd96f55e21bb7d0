package dev.skiff.eventing.internal;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** What one trigger's dispatcher has done since it started; written from any thread. */
final class TriggerCounters {
  private final AtomicLong delivered = new AtomicLong();
  final AtomicLong retried = new AtomicLong();
  final AtomicLong deadLettered = new AtomicLong();
  final AtomicLong dropped = new AtomicLong();
  final AtomicLong replied = new AtomicLong();
  final AtomicLong malformed = new AtomicLong();
  private final Clock clock;
  private volatile String lastError;
  private volatile Instant lastErrorTime;
  // When delivered last grew, in the clock's millis; 0 before the first delivery.
  private volatile long lastDeliveredMillis;

  TriggerCounters(Clock clock) {
    this.clock = clock;
  }

  /** One more event answered 2xx, now. */
  void delivered() {
    delivered.incrementAndGet();
    lastDeliveredMillis = clock.millis();
  }

  long deliveredCount() {
    return delivered.get();
  }

  /**
   * When the delivered count last grew (so when the count reported beside it was reached, not when
   * the status was written); null before the first delivery.
   */
  Instant lastDeliveredAt() {
    long at = lastDeliveredMillis;
    return at == 0 ? null : Instant.ofEpochMilli(at);
  }

  void error(String what) {
    lastError = what.length() > 1024 ? what.substring(0, 1024) + "..." : what;
    lastErrorTime = clock.instant();
  }

  String lastError() {
    return lastError;
  }

  Instant lastErrorTime() {
    return lastErrorTime;
  }
}
