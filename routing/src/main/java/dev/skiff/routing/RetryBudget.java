package dev.skiff.routing;

import java.util.function.LongSupplier;

/**
 * Linkerd's retry budget: retries may add at most {@link #RATIO} of the requests seen over the last
 * {@link #WINDOW_SECONDS} seconds, plus {@link #MIN_PER_SECOND} retries per second whatever the
 * load, so retries never multiply an outage. Counts live in one-second buckets. Thread-safe.
 */
public final class RetryBudget {
  public static final double RATIO = 0.2;
  public static final int MIN_PER_SECOND = 10;
  public static final int WINDOW_SECONDS = 10;

  private final LongSupplier nanoTime;
  private final long[] requests = new long[WINDOW_SECONDS]; // guarded by this
  private final long[] retries = new long[WINDOW_SECONDS]; // guarded by this
  private long bucketSecond = Long.MIN_VALUE; // guarded by this
  private long totalRetries; // guarded by this

  public RetryBudget(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /** An original request (not a retry) was sent. */
  public synchronized void deposit() {
    advance();
    requests[index()]++;
  }

  /** Takes one retry from the budget; false when the budget is spent. */
  public synchronized boolean tryWithdraw() {
    advance();
    long seen = 0;
    long retried = 0;
    for (int i = 0; i < WINDOW_SECONDS; i++) {
      seen += requests[i];
      retried += retries[i];
    }
    if (retried + 1 > RATIO * seen + (double) MIN_PER_SECOND * WINDOW_SECONDS) {
      return false;
    }
    retries[index()]++;
    totalRetries++;
    return true;
  }

  /** Retries granted so far. */
  public synchronized long retries() {
    return totalRetries;
  }

  private int index() {
    return (int) Math.floorMod(bucketSecond, (long) WINDOW_SECONDS);
  }

  private void advance() {
    long second = Math.floorDiv(nanoTime.getAsLong(), 1_000_000_000L);
    if (bucketSecond == Long.MIN_VALUE) {
      bucketSecond = second;
      return;
    }
    long steps = Math.min(WINDOW_SECONDS, second - bucketSecond);
    for (long s = 1; s <= steps; s++) {
      int i = (int) Math.floorMod(bucketSecond + s, (long) WINDOW_SECONDS);
      requests[i] = 0;
      retries[i] = 0;
    }
    if (second > bucketSecond) {
      bucketSecond = second;
    }
  }
}
