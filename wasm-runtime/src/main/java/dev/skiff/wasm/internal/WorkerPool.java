package dev.skiff.wasm.internal;

import dev.skiff.wasm.OverloadedException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads Wasm runs on: a fixed pool with a bounded queue, never a Vert.x event loop, plus one
 * timer thread for timeouts. Pool threads get a large stack so deep but finite guest recursion
 * works; unbounded recursion still ends in a trap.
 */
public final class WorkerPool implements AutoCloseable {
  static final long STACK_BYTES = 8L << 20;
  private final ThreadPoolExecutor executor;
  private final ScheduledThreadPoolExecutor timer;

  public WorkerPool(int threads, int queueCapacity) {
    this.executor =
        new ThreadPoolExecutor(
            threads,
            threads,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(queueCapacity),
            factory("skiff-wasm-", STACK_BYTES));
    this.timer = new ScheduledThreadPoolExecutor(1, factory("skiff-wasm-timer-", 0));
    this.timer.setRemoveOnCancelPolicy(true);
  }

  /** Queues the execution; false when the queue is full or the pool is closed. */
  boolean submit(Execution execution) {
    try {
      executor.execute(execution);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  ScheduledFuture<?> schedule(Runnable task, Duration delay) {
    return timer.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  boolean isClosed() {
    return executor.isShutdown();
  }

  public int threads() {
    return executor.getMaximumPoolSize();
  }

  public int busy() {
    return executor.getActiveCount();
  }

  public int queued() {
    return executor.getQueue().size();
  }

  /** Interrupts running instances and fails queued requests with {@link OverloadedException}. */
  @Override
  public void close() {
    for (Runnable pending : executor.shutdownNow()) {
      ((Execution) pending).abort(new OverloadedException("the Wasm runtime is closed"));
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
