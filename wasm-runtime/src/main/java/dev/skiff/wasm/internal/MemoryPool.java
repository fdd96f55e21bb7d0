package dev.skiff.wasm.internal;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Predicate;

/**
 * Linear memories of one function instance kept between its requests, so that a request's fresh
 * instance reuses a memory instead of allocating (and zeroing) a new one.
 *
 * <p>Isolation: a memory is kept only when the guest stopped normally and never grew it (its size
 * is still the module's initial size) and it is not shared. Chicory's instantiation then resets a
 * reused memory exactly as it initialises a new one: it zeroes the memory's whole current size and
 * copies the active data segments in ({@code Instance.initialize}: {@code Memory.zero} then {@code
 * Memory.initialize}); globals and tables are created anew by every instantiation. A memory that
 * grew is dropped: it cannot shrink back, and zeroing what a large request touched would cost a
 * small one.
 *
 * <p>Bounds: at most {@code maxKept} memories per instance, all pools of a runtime together within
 * a {@link MemoryBudget}, and a memory not taken for {@link #IDLE} is dropped by the runtime's
 * {@link MemoryTrims} within another {@link #IDLE} (an idle warm instance keeps no memory). {@link
 * #close} (the instance stopped, e.g. scaled to zero) drops them all. A pool belongs to one
 * function instance, so memories never pass between revisions or services.
 */
final class MemoryPool {
  /** What a pool keeps at most per instance. */
  static final int MAX_KEPT = 8;

  /** How long an unused memory is kept. */
  static final Duration IDLE = Duration.ofSeconds(2);

  private record Kept(ByteArrayMemory memory, long bytes, long since) {}

  private final MemoryBudget budget;
  private final int maxKept;
  private final MemoryTrims trims;
  private final ArrayDeque<Kept> kept = new ArrayDeque<>(); // guarded by this; newest first
  private boolean swept; // guarded by this: among the pools the trims' sweep visits
  private boolean closed; // guarded by this

  MemoryPool(MemoryBudget budget, int maxKept, MemoryTrims trims) {
    this.budget = budget;
    this.maxKept = maxKept;
    this.trims = trims;
  }

  /**
   * A memory with these limits: the most recently kept one when its limits match, else a new one.
   * Its contents are whatever the last request left: only instantiation makes it fresh.
   */
  Memory take(MemoryLimits limits) {
    Kept reused;
    synchronized (this) {
      reused = kept.pollFirst();
    }
    if (reused != null) {
      budget.give(reused.bytes());
      if (matches(reused.memory(), limits)) {
        return reused.memory();
      }
    }
    return new ByteArrayMemory(limits);
  }

  /**
   * Offers the memory of an instance whose guest has stopped normally; kept when it may be reused
   * (see the class comment) and the bounds allow, dropped otherwise.
   */
  void give(Memory memory) {
    if (!(memory instanceof ByteArrayMemory bam)
        || bam.shared()
        || bam.pages() != bam.initialPages()) {
      return;
    }
    long bytes = bytes(bam);
    boolean join;
    synchronized (this) {
      if (closed || kept.size() >= maxKept || !budget.tryTake(bytes)) {
        return;
      }
      kept.addFirst(new Kept(bam, bytes, trims.now()));
      join = !swept;
      swept = true;
    }
    if (join) {
      try {
        trims.keeping(this);
      } catch (RejectedExecutionException e) {
        close(); // the runtime is closing: keep nothing
      }
    }
  }

  /** Drops every kept memory and keeps none from now on. */
  synchronized void close() {
    closed = true;
    dropWhile(k -> true);
  }

  synchronized int kept() {
    return kept.size();
  }

  /**
   * Drops the memories unused for the trims' idle time; called by their sweep. False when none is
   * left: the pool leaves the sweep, and joins it again when it next keeps one.
   */
  synchronized boolean trimIdle() {
    long now = trims.now();
    long idle = trims.idle().toNanos();
    dropWhile(k -> now - k.since() >= idle);
    swept = !kept.isEmpty();
    return swept;
  }

  /**
   * Whether the trims' sweep is to visit this pool: it keeps memories, or did at the last sweep.
   */
  synchronized boolean swept() {
    return swept;
  }

  /** Drops from the oldest end while {@code stale} holds. */
  private void dropWhile(Predicate<Kept> stale) {
    while (!kept.isEmpty() && stale.test(kept.peekLast())) {
      budget.give(kept.pollLast().bytes());
    }
  }

  private static boolean matches(ByteArrayMemory memory, MemoryLimits limits) {
    return memory.initialPages() == limits.initialPages()
        && memory.maximumPages() == limits.maximumPages()
        && memory.shared() == limits.shared();
  }

  /** The pages plus Chicory's table of page references (one per possible page). */
  private static long bytes(ByteArrayMemory memory) {
    return (long) memory.pages() * Memory.PAGE_SIZE
        + 4L * Math.min(memory.maximumPages(), Short.MAX_VALUE);
  }
}
