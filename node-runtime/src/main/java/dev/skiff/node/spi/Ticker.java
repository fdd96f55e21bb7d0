package dev.skiff.node.spi;

import java.time.Duration;

/**
 * Drives the agent's timers: stats sampling and reporting, restart backoff, the endpoint grace
 * before a drain. The default runs on Vert.x timers; tests substitute one they fire by hand. The
 * agent hops to its own context inside every callback, so callbacks may run on any thread.
 */
public interface Ticker {

  /** Runs {@code tick} every {@code interval} until the handle is cancelled. */
  Cancellable every(Duration interval, Runnable tick);

  /** Runs {@code action} once after {@code delay}, unless the handle is cancelled first. */
  Cancellable after(Duration delay, Runnable action);

  /** Stops a pending timer. */
  @FunctionalInterface
  interface Cancellable {
    void cancel();
  }
}
