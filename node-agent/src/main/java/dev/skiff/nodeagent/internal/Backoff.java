package dev.skiff.nodeagent.internal;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/** Delays between reconnection attempts: doubling from a first delay up to a ceiling, jittered. */
public final class Backoff {
  private final Duration first;
  private final Duration max;
  private final DoubleSupplier random;
  private Duration next;

  public Backoff(Duration first, Duration max, DoubleSupplier random) {
    this.first = first;
    this.max = max;
    this.random = random;
    this.next = first;
  }

  /** The next delay: the current step less up to 20 % jitter; the step then doubles. */
  public synchronized Duration next() {
    Duration d = next;
    Duration doubled = next.multipliedBy(2);
    next = doubled.compareTo(max) > 0 ? max : doubled;
    long ms = d.toMillis();
    return Duration.ofMillis(Math.max(1, ms - (long) (ms * 0.2 * random.getAsDouble())));
  }

  /** The first delay. */
  public Duration first() {
    return first;
  }

  /** {@code d} doubled, at most the ceiling: the delay after {@code d} for a caller's own count. */
  public Duration grown(Duration d) {
    Duration doubled = d.multipliedBy(2);
    return doubled.compareTo(max) > 0 ? max : doubled;
  }

  /** Back to the first delay, after a success. */
  public synchronized void reset() {
    next = first;
  }
}
