package dev.skiff.eventing.internal;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** What one trigger's dispatcher has done since it started; written from any thread. */
final class TriggerCounters {
  final AtomicLong delivered = new AtomicLong();
  final AtomicLong retried = new AtomicLong();
  final AtomicLong deadLettered = new AtomicLong();
  final AtomicLong dropped = new AtomicLong();
  final AtomicLong replied = new AtomicLong();
  final AtomicLong malformed = new AtomicLong();
  private final Clock clock;
  private volatile String lastError;
  private volatile Instant lastErrorTime;

  TriggerCounters(Clock clock) {
    this.clock = clock;
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
