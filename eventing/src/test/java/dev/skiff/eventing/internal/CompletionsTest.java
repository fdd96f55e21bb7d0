package dev.skiff.eventing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class CompletionsTest {
  /** Far longer than any test may take: a wait that ends did not end by timing out. */
  private static final Duration FOREVER = Duration.ofMinutes(10);

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aFullBatchFromAnotherThreadWakesTheWaitingOwnerWithEveryCompletion() throws Exception {
    Thread owner = Thread.currentThread();
    var completions = new Completions<Integer>(4, owner);
    Thread loop =
        new Thread(
            () -> {
              // Only once the owner is parked, so only the wake-up can end its wait.
              while (owner.getState() != Thread.State.TIMED_WAITING) {
                Thread.onSpinWait();
              }
              for (int i = 0; i < 4; i++) {
                completions.add(i);
              }
            });
    List<Integer> applied = new ArrayList<>();

    loop.start();
    completions.await(FOREVER, applied::add); // without the wake-up this never returns
    awaitRest(completions, applied, 4);
    loop.join();

    assertEquals(List.of(0, 1, 2, 3), applied);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aBatchQueuedBeforeTheOwnerWaitsIsTakenWithoutWaiting() {
    var completions = new Completions<Integer>(2, Thread.currentThread());
    completions.add(1);
    completions.add(2);
    List<Integer> applied = new ArrayList<>();

    completions.await(FOREVER, applied::add);

    assertEquals(List.of(1, 2), applied);
  }

  @Test
  void completionsShortOfABatchWaitForTheOwnerAndAreNeverDropped() throws Exception {
    var completions = new Completions<Integer>(32, Thread.currentThread());
    Thread loop =
        new Thread(
            () -> {
              for (int i = 0; i < 3; i++) {
                completions.add(i);
              }
            });
    loop.start();
    loop.join();
    List<Integer> applied = new ArrayList<>();

    completions.drain(applied::add);
    completions.drain(applied::add);

    assertEquals(List.of(0, 1, 2), applied, "each once, in the order they finished");
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void theOwnerIsWokenAgainForEveryLaterBatch() throws Exception {
    var completions = new Completions<Integer>(3, Thread.currentThread());
    List<Integer> applied = new ArrayList<>();
    for (int round = 0; round < 5; round++) {
      int base = round * 3;
      Thread loop =
          new Thread(
              () -> {
                for (int i = 0; i < 3; i++) {
                  completions.add(base + i);
                }
              });
      loop.start();
      completions.await(FOREVER, applied::add);
      awaitRest(completions, applied, base + 3);
      loop.join();
    }

    assertEquals(15, applied.size());
  }

  /**
   * After a wake-up, what is still on its way: a spurious wake-up may have taken part of a batch,
   * and the rest then waits for the owner's timeout, as the consumer's does.
   */
  private static void awaitRest(Completions<Integer> completions, List<Integer> applied, int n) {
    while (applied.size() < n) {
      completions.await(Duration.ofMillis(10), applied::add);
    }
  }

  @Test
  void refusesABatchBelowOne() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> new Completions<>(0, Thread.currentThread()));
    assertEquals("batch must be at least 1, got 0", e.getMessage());
  }

  @Test
  void orderedTriggersWakeTheConsumerForEachEventUnorderedOnesInBatches() {
    assertEquals(1, TriggerConsumer.wakeBatch(true, 256), "a partition waits for its one event");
    assertEquals(32, TriggerConsumer.wakeBatch(false, 256));
    assertEquals(32, TriggerConsumer.wakeBatch(false, 10_000), "at most 32");
    assertEquals(12, TriggerConsumer.wakeBatch(false, 100));
    assertEquals(1, TriggerConsumer.wakeBatch(false, 5), "never below one");
  }
}
