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
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where Wasm runs: threads from an elastic pool, never a Vert.x event loop, and {@link CpuPermits}
 * that bound how many requests compute at once. A request waits for its first permit in its lane
 * without a thread; a thread whose request ends runs the request its permit went to next, so a
 * backlog costs no thread switch per request. A request sleeping in WASI holds its thread but no
 * permit (a request granted that permit starts on another thread). Admission is bounded: permits
 * plus the queue capacity, beyond which requests are refused as overloaded. One timer thread runs
 * timeouts, one task per timeout length at a time ({@link RequestTimeouts}), and the sweep of kept
 * memories ({@link MemoryTrims}). Threads get a large stack so deep but finite guest recursion
 * works.
 */
public final class WorkerPool implements AutoCloseable {
  static final long STACK_BYTES = 8L << 20;
  private final ThreadPoolExecutor executor;
  private final ScheduledThreadPoolExecutor timer;
  private final CpuPermits permits;
  private final int maxAdmitted;
  private final Set<Execution> admitted = ConcurrentHashMap.newKeySet();
  private final AtomicInteger count = new AtomicInteger();
  private final AtomicLong timersArmed = new AtomicLong();
  private final ConcurrentHashMap<Duration, RequestTimeouts> timeouts = new ConcurrentHashMap<>();
  private final MemoryTrims memoryTrims =
      new MemoryTrims(MemoryPool.IDLE, System::nanoTime, this::schedule);

  public WorkerPool(int permits, int revisionShare, int queueCapacity) {
    this.permits = new CpuPermits(permits, revisionShare, this::start);
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

  /**
   * Starts the execution when its lane may take a permit now, else queues it in the lane; false
   * when admission is full or the pool is closed.
   */
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
    if (!execution.lane().takeOrQueue(execution)) {
      return true; // started holding a permit once one goes to it
    }
    try {
      executor.execute(() -> runFrom(execution));
      return true;
    } catch (RejectedExecutionException e) {
      start(new CpuSlot(execution.lane(), true).releaseForNext());
      return false; // the caller aborts it, which runs the finish hook
    }
  }

  /** Runs the execution, then each one a permit it gave back went to, on this thread. */
  private static void runFrom(Execution first) {
    for (Execution e = first; e != null; ) {
      e = e.run();
    }
  }

  /** Starts an execution granted a permit on a thread of its own (null: nothing). */
  private void start(Execution granted) {
    Execution e = granted;
    while (e != null) {
      Execution started = e;
      try {
        executor.execute(() -> runFrom(started));
        return;
      } catch (RejectedExecutionException closed) {
        e.abort(new OverloadedException("the Wasm runtime is closed"));
        e = new CpuSlot(e.lane(), true).releaseForNext();
      }
    }
  }

  /**
   * The timeouts of requests that all last {@code timeout}: one for every function with that
   * timeout, so a new function instance's first request (a cold start) finds the timer task of the
   * others pending and gives the timer thread none.
   */
  RequestTimeouts timeouts(Duration timeout) {
    return timeouts.computeIfAbsent(
        timeout, t -> new RequestTimeouts(t, System::nanoTime, this::schedule));
  }

  /** The sweep that drops the memories the runtime's functions keep and no longer use. */
  MemoryTrims memoryTrims() {
    return memoryTrims;
  }

  ScheduledFuture<?> schedule(Runnable task, Duration delay) {
    timersArmed.incrementAndGet();
    return timer.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  boolean isClosed() {
    return executor.isShutdown();
  }

  /**
   * Tasks given to the timer thread so far: each may wake it (a task that becomes the earliest
   * does), so the request path should give it few.
   */
  long timersArmed() {
    return timersArmed.get();
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
