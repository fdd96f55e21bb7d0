package dev.skiff.meshproxy.internal;

import dev.skiff.meshproxy.OverloadedException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * containerConcurrency, like Knative queue-proxy's breaker: at most {@code capacity} requests go to
 * the workload at once; up to {@code queueDepth} more wait in arrival order for a slot; beyond that
 * a request fails at once with {@link OverloadedException} (503). A waiter that is cancelled
 * (client gone, timeout) leaves the queue. Capacity 0 means unlimited. Thread-safe; each waiter is
 * resumed on its own context.
 */
public final class ConcurrencyLimit {
  private final int capacity;
  private final int queueDepth;
  private final Deque<Waiter> queue = new ArrayDeque<>();
  private int active;

  public ConcurrencyLimit(int capacity, int queueDepth) {
    this.capacity = capacity;
    this.queueDepth = queueDepth;
  }

  /**
   * A slot, once one is free; the future fails when the queue is full or {@code cancellation} fails
   * first. Whoever gets a slot must {@link #release} it exactly once.
   */
  public Future<Void> acquire(Context context, Future<Void> cancellation) {
    if (capacity <= 0) {
      return Future.succeededFuture();
    }
    Waiter w;
    synchronized (this) {
      if (active < capacity) {
        active++;
        return Future.succeededFuture();
      }
      if (queue.size() >= queueDepth) {
        return Future.failedFuture(
            new OverloadedException(
                "the instance is at its concurrency limit of "
                    + capacity
                    + " and "
                    + queueDepth
                    + " requests already wait for it"));
      }
      w = new Waiter(context, Promise.promise());
      queue.add(w);
    }
    cancellation.onFailure(
        err -> {
          boolean removed;
          synchronized (this) {
            removed = queue.remove(w);
          }
          if (removed) {
            w.promise.tryFail(err);
          }
        });
    return w.promise.future();
  }

  /** Gives a slot back; the longest waiter gets it. */
  public void release() {
    if (capacity <= 0) {
      return;
    }
    Waiter next;
    synchronized (this) {
      next = queue.poll();
      if (next == null) {
        active--;
        return;
      }
    }
    next.context.runOnContext(v -> next.promise.tryComplete());
  }

  /** Requests waiting for a slot now. */
  public synchronized int waiting() {
    return queue.size();
  }

  private record Waiter(Context context, Promise<Void> promise) {}
}
