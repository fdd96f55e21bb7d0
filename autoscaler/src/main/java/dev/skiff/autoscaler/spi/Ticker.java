package dev.skiff.autoscaler.spi;

import java.time.Duration;

/** Drives the autoscaler's periodic decisions; tests substitute one they fire by hand. */
@FunctionalInterface
public interface Ticker {

  /** Runs {@code tick} every {@code interval} until the returned handle is cancelled. */
  Cancellable every(Duration interval, Runnable tick);

  /** Stops a running ticker. */
  @FunctionalInterface
  interface Cancellable {
    void cancel();
  }
}
