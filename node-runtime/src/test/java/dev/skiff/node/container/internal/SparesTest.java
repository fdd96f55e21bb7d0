package dev.skiff.node.container.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class SparesTest {
  private final AtomicInteger made = new AtomicInteger();
  private final List<PodNetwork.Attachment> removed = new ArrayList<>();

  private PodNetwork.Attachment make() {
    int n = made.incrementAndGet();
    return new PodNetwork.Attachment("ns" + n, "l" + n, n, "h", "p");
  }

  private synchronized void remove(PodNetwork.Attachment a) {
    removed.add(a);
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
      Thread.sleep(1);
    }
  }

  @Test
  void eachTakeGetsANewAttachmentAndTheStockIsToppedUp() throws Exception {
    Spares spares = new Spares(2, this::make, this::remove);
    spares.start();
    await(() -> made.get() == 2, "two spares");
    Set<String> taken = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      await(() -> made.get() >= 2 + taken.size(), "the stock topped up");
      PodNetwork.Attachment a = spares.take();
      assertNotNull(a);
      assertTrue(taken.add(a.netns()), a.netns() + " was handed out twice");
    }
    spares.close();
    assertEquals(made.get() - 5, removed.size(), "close removes every spare not taken");
    removed.forEach(a -> assertTrue(!taken.contains(a.netns()), a + " was taken and removed"));
  }

  @Test
  void noSparesWhenTheTargetIsZeroOrBeforeStartOrAfterClose() {
    Spares none = new Spares(0, this::make, this::remove);
    none.start();
    assertNull(none.take());
    Spares notStarted = new Spares(2, this::make, this::remove);
    assertNull(notStarted.take());
    notStarted.close();
    notStarted.start();
    assertNull(notStarted.take());
    assertEquals(0, made.get());
  }

  @Test
  void aFailingMakeLeavesTheCallerToMakeItsOwn() throws Exception {
    AtomicInteger tries = new AtomicInteger();
    Spares spares =
        new Spares(
            1,
            () -> {
              tries.incrementAndGet();
              throw new IllegalStateException("ip failed");
            },
            this::remove);
    spares.start();
    await(() -> tries.get() >= 1, "a try");
    assertNull(spares.take());
    spares.close();
  }

  @Test
  void withSparesLeftTheStockIsToppedUpOnlyBetweenStarts() throws Exception {
    BetweenStarts between =
        new BetweenStarts(java.time.Duration.ZERO, java.time.Duration.ofHours(1));
    List<Integer> startingWhenMade = new java.util.concurrent.CopyOnWriteArrayList<>();
    Spares spares =
        new Spares(
            2,
            () -> {
              startingWhenMade.add(between.starting());
              return make();
            },
            this::remove,
            between);
    spares.start();
    await(() -> made.get() == 2, "two spares");
    between.began();
    assertNotNull(spares.take());
    between.ended();
    await(() -> made.get() == 3, "the stock topped up after the start");
    assertEquals(List.of(0, 0, 0), startingWhenMade);
    spares.close();
    between.close();
  }

  @Test
  void anEmptyStockGetsOneSpareAtOnceEvenWhileAStartIsInFlight() throws Exception {
    // Under a stream of starts the moments without one are short: a stock that waited for them
    // ran dry, and each start then made its own namespace on its critical path.
    BetweenStarts between =
        new BetweenStarts(java.time.Duration.ZERO, java.time.Duration.ofHours(1));
    List<Integer> startingWhenMade = new java.util.concurrent.CopyOnWriteArrayList<>();
    Spares spares =
        new Spares(
            2,
            () -> {
              startingWhenMade.add(between.starting());
              return make();
            },
            this::remove,
            between);
    spares.start();
    await(() -> made.get() == 2, "two spares");
    between.began();
    assertNotNull(spares.take());
    assertNotNull(spares.take());
    await(() -> made.get() == 3, "one spare made beside the start");
    await(() -> spares.waiting().size() == 1, "the spare in stock");
    between.ended();
    await(() -> made.get() == 4, "the stock topped up after the start");
    assertEquals(List.of(0, 0, 1, 0), startingWhenMade);
    assertEquals(2, spares.taken());
    spares.close();
    between.close();
  }

  @Test
  void countsTakesThatFoundTheStockEmpty() {
    Spares notStarted = new Spares(2, this::make, this::remove);
    assertNull(notStarted.take());
    assertNull(notStarted.take());
    assertEquals(0, notStarted.taken());
    assertEquals(2, notStarted.missed());
  }
}
