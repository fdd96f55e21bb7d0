package dev.skiff.activator.spi;

import java.time.Duration;

/**
 * Drives the activator's sampling and reporting (every 100 ms). The default is a Vert.x periodic
 * timer; tests substitute one they fire by hand.
 */
@FunctionalInterface
public interface Ticker {

  /** Runs {@code tick} every {@code interval}, never two at once, until the handle is cancelled. */
  Cancellable every(Duration interval, Runnable tick);

  /** Stops a running ticker. */
  @FunctionalInterface
  interface Cancellable {
    void cancel();
  }
}
