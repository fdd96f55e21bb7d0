package dev.skiff.node.container.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class BetweenStartsTest {
  private static final Duration LONG = Duration.ofHours(1);

  @Test
  void deferredWorkNeverRunsWhileAStartIsInFlight() throws Exception {
    BetweenStarts between = new BetweenStarts(Duration.ZERO, LONG);
    List<Integer> startingWhenRun = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(3);
    between.began();
    between.began();
    for (int i = 0; i < 3; i++) {
      between.runBetweenStarts(
          "record",
          () -> {
            startingWhenRun.add(between.starting());
            done.countDown();
          });
    }
    // Until the deferred thread waits (or, wrongly, has run the work), the starts stay in flight.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (startingWhenRun.isEmpty() && !deferredThreadWaits()) {
      assertTrue(System.nanoTime() < deadline, "the deferred thread neither waited nor ran");
      Thread.sleep(1);
    }
    between.ended();
    between.ended();
    assertTrue(done.await(30, TimeUnit.SECONDS), "the work ran once the starts ended");
    assertEquals(List.of(0, 0, 0), startingWhenRun);
    between.close();
  }

  @Test
  void deferredWorkRunsAfterTheLongestWaitEvenWhileStartsGoOn() throws Exception {
    BetweenStarts between = new BetweenStarts(Duration.ZERO, Duration.ofMillis(20));
    between.began();
    CountDownLatch done = new CountDownLatch(1);
    List<Integer> startingWhenRun = new CopyOnWriteArrayList<>();
    between.runBetweenStarts(
        "record",
        () -> {
          startingWhenRun.add(between.starting());
          done.countDown();
        });
    assertTrue(done.await(30, TimeUnit.SECONDS), "the work ran although the start never ended");
    assertEquals(List.of(1), startingWhenRun);
    between.close();
  }

  @Test
  void deferredWorkWaitsOutTheSettleTimeAfterTheLastStartAndCloseRunsIt() throws Exception {
    BetweenStarts between = new BetweenStarts(LONG, LONG);
    between.began();
    between.ended();
    AtomicBoolean closing = new AtomicBoolean();
    AtomicBoolean ranWhileClosing = new AtomicBoolean();
    CountDownLatch done = new CountDownLatch(1);
    between.runBetweenStarts(
        "record",
        () -> {
          ranWhileClosing.set(closing.get());
          done.countDown();
        });
    closing.set(true);
    between.close();
    assertTrue(done.await(0, TimeUnit.SECONDS), "close ran the queued work before it returned");
    assertTrue(ranWhileClosing.get(), "the work waited for the settle time until close");
  }

  @Test
  void workHandedOverAfterCloseRunsAtOnceAndFailuresAreContained() {
    BetweenStarts between = new BetweenStarts(Duration.ZERO, LONG);
    between.close();
    AtomicBoolean ran = new AtomicBoolean();
    between.runBetweenStarts("fail", () -> ran.set(true));
    assertTrue(ran.get());
    between.runBetweenStarts(
        "fail",
        () -> {
          throw new IllegalStateException("ip failed");
        });
  }

  @Test
  void moreEndsThanStartsNeverCountBelowZero() throws Exception {
    BetweenStarts between = new BetweenStarts(Duration.ZERO, LONG);
    between.ended();
    assertEquals(0, between.starting());
    assertTrue(between.awaitQuiet());
    between.began();
    assertFalse(between.starting() == 0);
    between.close();
  }

  private static boolean deferredThreadWaits() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(
            t ->
                t.getName().startsWith("skiff-between-starts")
                    && t.getState() == Thread.State.TIMED_WAITING);
  }
}
