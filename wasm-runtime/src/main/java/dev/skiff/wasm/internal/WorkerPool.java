package dev.skiff.wasm.internal;

import dev.skiff.wasm.OverloadedException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where Wasm runs: one thread per admitted request from an elastic pool, never a Vert.x event loop,
 * and {@link CpuPermits} that bound how many of them compute at once. A request waiting for a
 * permit or sleeping in WASI holds a parked thread but no permit. Admission is bounded: permits
 * plus the queue capacity, beyond which requests are refused as overloaded. One timer thread runs
 * timeouts. Threads get a large stack so deep but finite guest recursion works.
 */
public final class WorkerPool implements AutoCloseable {
  static final long STACK_BYTES = 8L << 20;
  private final ThreadPoolExecutor executor;
  private final ScheduledThreadPoolExecutor timer;
  private final CpuPermits permits;
  private final int maxAdmitted;
  private final Set<Execution> admitted = ConcurrentHashMap.newKeySet();
  private final AtomicInteger count = new AtomicInteger();

  public WorkerPool(int permits, int revisionShare, int queueCapacity) {
    this.permits = new CpuPermits(permits, revisionShare);
    this.maxAdmitted = permits + queueCapacity;
    this.executor =
        new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE, // bounded by admission
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            factory("skiff-wasm-", STACK_BYTES));
    this.timer = new ScheduledThreadPoolExecutor(1, factory("skiff-wasm-timer-", 0));
    this.timer.setRemoveOnCancelPolicy(true);
  }

  /** A queue of its own for one revision. */
  CpuPermits.Lane lane() {
    return permits.lane();
  }

  /** Starts the execution on a thread of its own; false when admission is full or closed. */
  boolean submit(Execution execution) {
    if (count.incrementAndGet() > maxAdmitted) {
      count.decrementAndGet();
      return false;
    }
    admitted.add(execution);
    execution.onFinish(
        () -> {
          admitted.remove(execution);
          count.decrementAndGet();
        });
    try {
      executor.execute(execution);
      return true;
    } catch (RejectedExecutionException e) {
      return false; // the caller aborts it, which runs the finish hook
    }
  }

  ScheduledFuture<?> schedule(Runnable task, Duration delay) {
    return timer.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  boolean isClosed() {
    return executor.isShutdown();
  }

  /** CPU permits: how many guests compute at once. */
  public int threads() {
    return permits.total();
  }

  /** Permits held by computing guests. */
  public int busy() {
    return permits.held();
  }

  /** Guests waiting for a permit. */
  public int queued() {
    return permits.waiting();
  }

  /** Admitted requests not finished: waiting, computing or sleeping. */
  public int executions() {
    return count.get();
  }

  /** Interrupts every admitted request; they fail with {@link OverloadedException}. */
  @Override
  public void close() {
    executor.shutdown();
    for (Execution execution : admitted) {
      execution.cancel(new OverloadedException("the Wasm runtime is closed"));
    }
    timer.shutdownNow();
  }

  private static ThreadFactory factory(String prefix, long stackBytes) {
    var counter = new AtomicInteger();
    return task -> {
      var thread = new Thread(null, task, prefix + counter.incrementAndGet(), stackBytes);
      thread.setDaemon(true);
      return thread;
    };
  }
}
