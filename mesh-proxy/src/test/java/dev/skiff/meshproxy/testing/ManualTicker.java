package dev.skiff.meshproxy.testing;

import dev.skiff.meshproxy.spi.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A ticker that runs nothing by itself: the test fires what was scheduled. */
public final class ManualTicker implements Ticker {
  private final List<Task> pending = new ArrayList<>();

  @Override
  public synchronized Runnable schedule(Duration delay, Runnable task) {
    Task t = new Task(delay, task);
    pending.add(t);
    return () -> {
      synchronized (this) {
        pending.remove(t);
      }
    };
  }

  /** The delays of the tasks waiting to run. */
  public synchronized List<Duration> delays() {
    return pending.stream().map(Task::delay).toList();
  }

  /** Runs every task scheduled so far (not those they schedule). */
  public void fire() {
    List<Task> due;
    synchronized (this) {
      due = new ArrayList<>(pending);
      pending.clear();
    }
    due.forEach(t -> t.task.run());
  }

  /** Runs the tasks scheduled so far with exactly {@code delay}, leaving the others waiting. */
  public void fire(Duration delay) {
    List<Task> due;
    synchronized (this) {
      due = pending.stream().filter(t -> t.delay.equals(delay)).toList();
      pending.removeAll(due);
    }
    due.forEach(t -> t.task.run());
  }

  private record Task(Duration delay, Runnable task) {}
}
