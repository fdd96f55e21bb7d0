package dev.skiff.node.container.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Host work that can wait runs between container starts. Measured on a two-core node, a network
 * namespace made or removed while runc starts a container delays that start by tens of milliseconds
 * (the kernel's namespace set-up and teardown compete with runc's own), so removing a stopped
 * instance's namespace waits until no start is in flight and the last one ended a moment ago
 * ({@code settle}: a ready container still has its sidecar opened and its first requests
 * forwarded), and preparing spare namespaces until no start is in flight ({@link #awaitNoStart}).
 * The wait is bounded: under a stream of starts the work still gets done, at most {@code maxWait}
 * late. Thread-safe.
 */
public final class BetweenStarts {
  private static final System.Logger LOG = System.getLogger(BetweenStarts.class.getName());

  private final long settleNanos;
  private final long maxWaitNanos;
  private final ExecutorService deferred =
      Executors.newSingleThreadExecutor(Threads.daemon("skiff-between-starts"));
  private int starting;
  private long lastEndedNanos;
  private boolean closed;

  /**
   * @param settle how long after the last start ended deferred work still waits
   * @param maxWait the longest deferred work waits for a moment without starts
   */
  public BetweenStarts(Duration settle, Duration maxWait) {
    this.settleNanos = settle.toNanos();
    this.maxWaitNanos = maxWait.toNanos();
    this.lastEndedNanos = System.nanoTime() - settleNanos;
  }

  /** A start began; the caller calls {@link #ended} once when it is ready or has failed. */
  public synchronized void began() {
    starting++;
  }

  /** A start that {@link #began} is ready or has failed. */
  public synchronized void ended() {
    if (starting > 0 && --starting == 0) {
      lastEndedNanos = System.nanoTime();
      notifyAll();
    }
  }

  /** How many starts are in flight. */
  public synchronized int starting() {
    return starting;
  }

  /**
   * Blocks until no start is in flight and none ended within the settle time, the longest wait has
   * passed, or this is closed. Returns whether the moment is free of starts.
   */
  public synchronized boolean awaitQuiet() throws InterruptedException {
    long deadline = System.nanoTime() + maxWaitNanos;
    while (!closed) {
      long now = System.nanoTime();
      long settled = starting > 0 ? Long.MAX_VALUE : settleNanos - (now - lastEndedNanos);
      if (settled <= 0) {
        return true;
      }
      long left = deadline - now;
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, Math.min(settled, left));
    }
    return starting == 0;
  }

  /**
   * Blocks until no start is in flight (without the settle), {@code now} holds, the longest wait
   * has passed, or this is closed. {@code now} is checked again on each {@link #nudge}; it runs
   * under this object's lock, so it must not block.
   */
  public synchronized void awaitNoStart(BooleanSupplier now) throws InterruptedException {
    long deadline = System.nanoTime() + maxWaitNanos;
    while (!closed && starting > 0 && !now.getAsBoolean()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  /** Wakes the callers of {@link #awaitNoStart} to check their condition again. */
  public synchronized void nudge() {
    notifyAll();
  }

  /**
   * Runs {@code task} on this object's own thread once no start is in flight (or the longest wait
   * has passed); after {@link #close}, at once on the caller's thread. Tasks run one at a time, in
   * order; a task that throws is logged.
   */
  public void runBetweenStarts(String what, Runnable task) {
    try {
      deferred.execute(
          () -> {
            try {
              awaitQuiet();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            run(what, task);
          });
    } catch (RejectedExecutionException e) {
      run(what, task);
    }
  }

  /**
   * Stops waiting for quiet moments, runs the deferred work still queued and stops the thread. Work
   * handed over afterwards runs on the caller's thread.
   */
  public void close() {
    synchronized (this) {
      closed = true;
      notifyAll();
    }
    deferred.shutdown();
    try {
      if (!deferred.awaitTermination(60, TimeUnit.SECONDS)) {
        LOG.log(Level.WARNING, "deferred container host work took over 60 s to finish");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void run(String what, Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      // The next reconcile removes what was left.
      LOG.log(Level.WARNING, "cannot " + what + ": " + e.getMessage());
    }
  }
}
