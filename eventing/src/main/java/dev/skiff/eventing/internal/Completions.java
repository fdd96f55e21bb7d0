package dev.skiff.eventing.internal;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Finished deliveries on their way back to the consumer thread, which alone applies them.
 * Deliveries finish on event loops; waking the consumer for each would cost a thread switch per
 * event, so it is woken once {@code batch} are queued (1 in ordered mode, where a partition waits
 * for its one event), and otherwise finds them when it next looks or its wait times out. Nothing is
 * lost either way: every completion stays queued until {@link #drain} takes it.
 */
final class Completions<T> {
  private final Queue<T> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final int batch;
  private final Thread owner;

  /**
   * @param batch how many completions wake the owner (at least 1)
   * @param owner the thread that waits in {@link #await} and drains
   */
  Completions(int batch, Thread owner) {
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be at least 1, got " + batch);
    }
    this.batch = batch;
    this.owner = owner;
  }

  /** Any thread: queues one completion; wakes the owner when a batch is ready. */
  void add(T completion) {
    queue.add(completion);
    if (size.incrementAndGet() == batch) {
      LockSupport.unpark(owner);
    }
  }

  /**
   * The owner: waits until a batch is queued or {@code timeout} passes (or it is interrupted, or
   * wakes spuriously: callers loop), then hands every queued completion to {@code apply}.
   */
  void await(Duration timeout, Consumer<T> apply) {
    if (size.get() < batch) {
      LockSupport.parkNanos(this, timeout.toNanos());
    }
    drain(apply);
  }

  /** The owner: hands every queued completion to {@code apply}, without waiting. */
  void drain(Consumer<T> apply) {
    T c;
    while ((c = queue.poll()) != null) {
      size.decrementAndGet();
      apply.accept(c);
    }
  }

  /** How many completions wake the owner. */
  int batch() {
    return batch;
  }
}
