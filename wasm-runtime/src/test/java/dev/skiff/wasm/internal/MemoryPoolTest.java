package dev.skiff.wasm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The bounds of a function instance's pool of linear memories, on a hand-driven clock. */
class MemoryPoolTest {
  private static final MemoryLimits ONE_PAGE = new MemoryLimits(1, 16);
  private static final long ONE_PAGE_BYTES = 65_536 + 4 * 16;

  private final AtomicLong now = new AtomicLong();
  private final List<Runnable> scheduled = new ArrayList<>();

  private final MemoryTrims trims =
      new MemoryTrims(
          Duration.ofSeconds(2),
          now::get,
          (task, delay) -> {
            scheduled.add(task);
            return new Scheduled();
          });

  private MemoryPool pool(MemoryBudget budget, int maxKept) {
    return new MemoryPool(budget, maxKept, trims);
  }

  @Test
  void aMemoryGivenBackIsTheNextOneTaken() {
    var budget = new MemoryBudget(1 << 20);
    var pool = pool(budget, 4);
    Memory memory = pool.take(ONE_PAGE);

    pool.give(memory);

    assertEquals(ONE_PAGE_BYTES, budget.used());
    assertSame(memory, pool.take(ONE_PAGE));
    assertEquals(0, budget.used());
  }

  @Test
  void aMemoryThatGrewIsNotKept() {
    var budget = new MemoryBudget(1 << 20);
    var pool = pool(budget, 4);
    Memory memory = pool.take(ONE_PAGE);
    memory.grow(1);

    pool.give(memory);

    assertEquals(0, pool.kept());
    assertNotSame(memory, pool.take(ONE_PAGE));
  }

  @Test
  void aSharedMemoryIsNotKept() {
    var pool = pool(new MemoryBudget(1 << 20), 4);
    Memory memory = pool.take(new MemoryLimits(1, 16, true));

    pool.give(memory);

    assertEquals(0, pool.kept());
  }

  @Test
  void aKeptMemoryWithOtherLimitsIsNotReused() {
    var budget = new MemoryBudget(1 << 20);
    var pool = pool(budget, 4);
    Memory memory = pool.take(ONE_PAGE);
    pool.give(memory);

    Memory other = pool.take(new MemoryLimits(1, 32));

    assertNotSame(memory, other);
    assertEquals(32, other.maximumPages());
    assertEquals(0, budget.used());
  }

  @Test
  void anInstanceKeepsAtMostItsLimit() {
    var budget = new MemoryBudget(1 << 20);
    var pool = pool(budget, 2);

    for (int i = 0; i < 3; i++) {
      pool.give(new com.dylibso.chicory.runtime.ByteArrayMemory(ONE_PAGE));
    }

    assertEquals(2, pool.kept());
    assertEquals(2 * ONE_PAGE_BYTES, budget.used());
  }

  @Test
  void allPoolsTogetherStayWithinTheBudget() {
    var budget = new MemoryBudget(ONE_PAGE_BYTES);
    var first = pool(budget, 4);
    var second = pool(budget, 4);

    first.give(first.take(ONE_PAGE));
    second.give(second.take(ONE_PAGE));

    assertEquals(1, first.kept());
    assertEquals(0, second.kept());
    assertEquals(ONE_PAGE_BYTES, budget.used());
  }

  @Test
  void memoriesUnusedForTheIdleTimeAreDropped() {
    var budget = new MemoryBudget(1 << 20);
    var pool = pool(budget, 4);
    pool.give(pool.take(ONE_PAGE));
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    pool.give(new com.dylibso.chicory.runtime.ByteArrayMemory(ONE_PAGE));
    assertEquals(1, scheduled.size());

    now.addAndGet(Duration.ofSeconds(1).toNanos());
    scheduled.remove(0).run();

    assertEquals(1, pool.kept()); // the younger one is 1 s old
    assertEquals(1, scheduled.size()); // and the sweep runs again for it
    now.addAndGet(Duration.ofSeconds(2).toNanos());
    scheduled.remove(0).run();
    assertEquals(0, pool.kept());
    assertEquals(0, budget.used());
    assertTrue(scheduled.isEmpty()); // nothing kept anywhere: the sweep stops
    assertEquals(0, trims.pools());
  }

  @Test
  void aNewPoolJoinsThePendingSweepWithoutATaskOfItsOwn() {
    // Each pool had a timer task of its own, given when it kept its first memory: at the end of a
    // cold start's first request, where it woke the timer thread.
    var budget = new MemoryBudget(1 << 20);
    var warm = pool(budget, 4);
    warm.give(warm.take(ONE_PAGE));
    assertEquals(1, scheduled.size());

    var cold = pool(budget, 4);
    cold.give(cold.take(ONE_PAGE));

    assertEquals(1, scheduled.size());
    now.addAndGet(Duration.ofSeconds(2).toNanos());
    scheduled.remove(0).run();
    assertEquals(0, warm.kept());
    assertEquals(0, cold.kept());
    assertEquals(0, budget.used());
  }

  @Test
  void aSweepOverManyPoolsWithRecentMemoriesEnds() {
    // Pools taken out of the sweep's set and put back while it was walked were met again: a
    // sweep over pools whose memories were not idle yet never ended, and held the timer thread.
    var budget = new MemoryBudget(1 << 24);
    var pools = new ArrayList<MemoryPool>();
    for (int i = 0; i < 64; i++) {
      var pool = pool(budget, 4);
      pool.give(pool.take(ONE_PAGE));
      pools.add(pool);
    }
    now.addAndGet(Duration.ofSeconds(1).toNanos());

    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> scheduled.remove(0).run());

    assertEquals(64, trims.pools());
    pools.forEach(p -> assertEquals(1, p.kept()));
    assertEquals(1, scheduled.size());
  }

  @Test
  void aPoolThatKeepsAgainAfterItsSweepLeftItIsSweptAgain() {
    var budget = new MemoryBudget(1 << 20);
    var pool = pool(budget, 4);
    pool.give(pool.take(ONE_PAGE));
    now.addAndGet(Duration.ofSeconds(2).toNanos());
    scheduled.remove(0).run();
    assertEquals(0, trims.pools());

    pool.give(pool.take(ONE_PAGE));

    assertEquals(1, trims.pools());
    assertEquals(1, scheduled.size());
    now.addAndGet(Duration.ofSeconds(2).toNanos());
    scheduled.remove(0).run();
    assertEquals(0, pool.kept());
  }

  @Test
  void aClosedPoolDropsItsMemoriesAndKeepsNoMore() {
    var budget = new MemoryBudget(1 << 20);
    var pool = pool(budget, 4);
    pool.give(pool.take(ONE_PAGE));

    pool.close();
    pool.give(new com.dylibso.chicory.runtime.ByteArrayMemory(ONE_PAGE));

    assertEquals(0, pool.kept());
    assertEquals(0, budget.used());
  }

  /** A scheduled task the test runs by hand. */
  private static final class Scheduled extends CompletableFuture<Object>
      implements ScheduledFuture<Object> {
    @Override
    public long getDelay(TimeUnit unit) {
      return 0;
    }

    @Override
    public int compareTo(Delayed other) {
      return 0;
    }
  }
}
