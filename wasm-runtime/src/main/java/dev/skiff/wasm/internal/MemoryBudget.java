package dev.skiff.wasm.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of linear memory that all of a runtime's {@link MemoryPool}s together may keep between
 * requests. A pool takes from it before keeping a memory and gives back when it drops one; at zero
 * capacity nothing is ever kept.
 */
public final class MemoryBudget {
  private final long capacity;
  private final AtomicLong used = new AtomicLong();

  public MemoryBudget(long capacityBytes) {
    if (capacityBytes < 0) {
      throw new IllegalArgumentException("the pooled memory budget must be >= 0 bytes");
    }
    this.capacity = capacityBytes;
  }

  /** Reserves {@code bytes}; false, reserving nothing, when that would exceed the capacity. */
  boolean tryTake(long bytes) {
    while (true) {
      long now = used.get();
      if (now + bytes > capacity) {
        return false;
      }
      if (used.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  void give(long bytes) {
    used.addAndGet(-bytes);
  }

  /** Bytes of memory kept in pools right now. */
  public long used() {
    return used.get();
  }

  public long capacity() {
    return capacity;
  }
}
