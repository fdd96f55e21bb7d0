package dev.skiff.node;

import dev.skiff.node.spi.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A ticker the test fires by hand, on the test thread; it records every delay asked for. */
public final class ManualTicker implements Ticker {
  private final List<Runnable> periodic = new ArrayList<>();
  private final List<Runnable> pending = new ArrayList<>();
  private final java.util.Map<Runnable, Duration> pendingDelays = new java.util.IdentityHashMap<>();
  private final List<Duration> delays = new ArrayList<>();
  private final List<Duration> intervals = new ArrayList<>();

  @Override
  public synchronized Cancellable every(Duration interval, Runnable tick) {
    periodic.add(tick);
    intervals.add(interval);
    return () -> {
      synchronized (this) {
        periodic.remove(tick);
      }
    };
  }

  @Override
  public synchronized Cancellable after(Duration delay, Runnable action) {
    pending.add(action);
    pendingDelays.put(action, delay);
    delays.add(delay);
    return () -> {
      synchronized (this) {
        pending.remove(action);
        pendingDelays.remove(action);
      }
    };
  }

  /** Fires every periodic task once. */
  public void tick() {
    List<Runnable> now;
    synchronized (this) {
      now = List.copyOf(periodic);
    }
    now.forEach(Runnable::run);
  }

  /** Fires every one-shot timer pending now, as if its delay passed. */
  public void fireTimers() {
    List<Runnable> now;
    synchronized (this) {
      now = List.copyOf(pending);
      pending.clear();
      pendingDelays.clear();
    }
    now.forEach(Runnable::run);
  }

  /** Fires the one-shot timers pending now that were asked for with {@code delay}. */
  public void fireTimersOf(Duration delay) {
    List<Runnable> now = new ArrayList<>();
    synchronized (this) {
      for (Runnable r : List.copyOf(pending)) {
        if (delay.equals(pendingDelays.get(r))) {
          now.add(r);
          pending.remove(r);
          pendingDelays.remove(r);
        }
      }
    }
    now.forEach(Runnable::run);
  }

  public synchronized int pendingTimers() {
    return pending.size();
  }

  /** Every one-shot delay asked for so far, in order. */
  public synchronized List<Duration> delays() {
    return List.copyOf(delays);
  }

  /** Every periodic interval asked for so far, in order. */
  public synchronized List<Duration> intervals() {
    return List.copyOf(intervals);
  }
}
