package dev.skiff.meshproxy.spi;

import java.time.Duration;

/**
 * Runs a task once after a delay: certificate renewals and their retries. Vert.x timers by default;
 * tests drive renewals with a manual one.
 */
@FunctionalInterface
public interface Ticker {

  /**
   * Runs {@code task} once, {@code delay} from now, on any thread; returns what cancels it.
   * Cancelling a task that ran or was cancelled does nothing.
   */
  Runnable schedule(Duration delay, Runnable task);
}
