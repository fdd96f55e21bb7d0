package dev.skiff.wasm.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;

/**
 * The timeouts of requests that all last the same time: those of every function of a runtime with
 * that timeout ({@link WorkerPool#timeouts}). They expire in the order they were armed: one timer
 * task, due at the oldest unfinished request's deadline, serves them all. Arming a request appends
 * it here; only when no task is pending does it give the timer thread a task, so requests that keep
 * coming, a new function instance's among them, do not wake that thread once each (a task of its
 * own per request did whenever it became the earliest, that is, whenever no other request was in
 * flight). A finished request drops its reference to its execution at once and its entry is pruned
 * when next at the head.
 */
final class RequestTimeouts {
  private final long timeoutNanos;
  private final LongSupplier nanos;
  private final BiFunction<Runnable, Duration, ScheduledFuture<?>> scheduler;
  // Guarded by this, in deadline order.
  private final ArrayDeque<Entry> entries = new ArrayDeque<>();
  private boolean armed; // guarded by this: a timer task is pending

  RequestTimeouts(
      Duration timeout,
      LongSupplier nanos,
      BiFunction<Runnable, Duration, ScheduledFuture<?>> scheduler) {
    this.timeoutNanos = timeout.toNanos();
    this.nanos = nanos;
    this.scheduler = scheduler;
  }

  /** One armed request: its deadline, and its execution until it finishes. */
  static final class Entry {
    private final long deadline;
    private volatile Execution execution;

    private Entry(Execution execution, long deadline) {
      this.execution = execution;
      this.deadline = deadline;
    }

    /** The request is over: it can no longer time out, and its entry holds nothing of it. */
    void clear() {
      execution = null;
    }
  }

  /**
   * Arms {@code execution}'s timeout, due one timeout from now.
   *
   * @throws RejectedExecutionException when the timer is shut down (the runtime is closing)
   */
  synchronized Entry arm(Execution execution) {
    pruneFinished();
    var entry = new Entry(execution, nanos.getAsLong() + timeoutNanos);
    entries.addLast(entry);
    if (!armed) {
      schedule(timeoutNanos);
    }
    return entry;
  }

  /** Requests armed and not yet finished or timed out (finished ones not yet pruned included). */
  synchronized int pending() {
    return entries.size();
  }

  /** The timer task: times out every request past its deadline, then waits for the next one. */
  private void expire() {
    List<Execution> due = new ArrayList<>();
    synchronized (this) {
      armed = false;
      long now = nanos.getAsLong();
      pruneFinished();
      for (Entry head = entries.peekFirst();
          head != null && head.deadline - now <= 0;
          head = entries.peekFirst()) {
        entries.pollFirst();
        Execution e = head.execution;
        if (e != null) {
          due.add(e);
        }
        pruneFinished();
      }
      Entry next = entries.peekFirst();
      if (next != null) {
        try {
          schedule(Math.max(0, next.deadline - now));
        } catch (RejectedExecutionException closing) {
          // the runtime is closing: it cancels every admitted request itself
        }
      }
    }
    // Outside the lock: a timeout completes the request's promise and runs its finish hooks.
    due.forEach(Execution::timeOut);
  }

  private void schedule(long delayNanos) {
    scheduler.apply(this::expire, Duration.ofNanos(delayNanos));
    armed = true;
  }

  private void pruneFinished() {
    while (!entries.isEmpty() && entries.peekFirst().execution == null) {
      entries.pollFirst();
    }
  }
}
