package dev.skiff.activator;

import dev.skiff.activator.spi.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A ticker the test fires by hand, on the test thread. */
final class ManualTicker implements Ticker {
  private final List<Runnable> tasks = new ArrayList<>();

  @Override
  public synchronized Cancellable every(Duration interval, Runnable tick) {
    tasks.add(tick);
    return () -> {
      synchronized (this) {
        tasks.remove(tick);
      }
    };
  }

  /** Fires every registered task {@code n} times. */
  synchronized void tick(int n) {
    for (int i = 0; i < n; i++) {
      tasks.forEach(Runnable::run);
    }
  }
}
