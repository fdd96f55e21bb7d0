package dev.skiff.wasm.internal;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;

/**
 * One sweep, every {@code idle}, over all of a runtime's {@link MemoryPool}s that keep memories:
 * each drops those unused for {@code idle}, so a kept memory is dropped between one and two idle
 * periods after its last use. A pool joins when it keeps its first memory and leaves when a sweep
 * finds it empty; the sweep stops when no pool is left.
 *
 * <p>Why one sweep: a pool of its own timer task gave the timer thread a task when a new function
 * instance (a cold start) kept its first memory, at the end of its first request, and that task (2
 * s, earlier than any request timeout) became the earliest and woke the timer thread just when the
 * request's answer needed the cores. While any pool keeps memories, or did during the last sweep, a
 * new pool joins without a task.
 */
final class MemoryTrims {
  private final Duration idle;
  private final LongSupplier nanos;
  private final BiFunction<Runnable, Duration, ScheduledFuture<?>> scheduler;
  private final Set<MemoryPool> holding = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean pending = new AtomicBoolean();

  MemoryTrims(
      Duration idle,
      LongSupplier nanos,
      BiFunction<Runnable, Duration, ScheduledFuture<?>> scheduler) {
    this.idle = idle;
    this.nanos = nanos;
    this.scheduler = scheduler;
  }

  Duration idle() {
    return idle;
  }

  long now() {
    return nanos.getAsLong();
  }

  /**
   * A pool that keeps a memory now; called by the pool outside its lock.
   *
   * @throws RejectedExecutionException when the timer is shut down (the runtime is closing)
   */
  void keeping(MemoryPool pool) {
    holding.add(pool);
    scheduleIfIdle();
  }

  /** Pools the sweep visits now. */
  int pools() {
    return holding.size();
  }

  /** The timer task: trims every pool, drops those left empty, runs again while any is left. */
  void sweep() {
    // Over a copy: a pool put back into the set while it is walked could be met again, and again.
    for (MemoryPool pool : holding.toArray(new MemoryPool[0])) {
      if (!pool.trimIdle()) {
        holding.remove(pool);
        // A memory given back since trimIdle found none has joined already; keep it in.
        if (pool.swept()) {
          holding.add(pool);
        }
      }
    }
    pending.set(false);
    if (!holding.isEmpty()) {
      try {
        scheduleIfIdle();
      } catch (RejectedExecutionException closing) {
        // the runtime is closing: its functions drop their memories themselves
      }
    }
  }

  private void scheduleIfIdle() {
    if (pending.compareAndSet(false, true)) {
      try {
        scheduler.apply(this::sweep, idle);
      } catch (RejectedExecutionException e) {
        pending.set(false);
        throw e;
      }
    }
  }
}
