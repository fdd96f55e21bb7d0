package dev.skiff.eventing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeliveryLoopsTest {
  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4));

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Runs {@code n} numbered tasks through the loops; the thread each ran on, by number. */
  private Map<Integer, String> run(DeliveryLoops loops, int n, List<Integer> order)
      throws Exception {
    Map<Integer, String> threads = new ConcurrentHashMap<>();
    CountDownLatch done = new CountDownLatch(n);
    List<Runnable> batch = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int id = i;
      batch.add(
          () -> {
            threads.put(id, Thread.currentThread().getName());
            order.add(id);
            done.countDown();
          });
    }
    loops.run(batch);
    if (!done.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("not every task ran: " + threads.keySet());
    }
    return threads;
  }

  @Test
  void cutsABatchIntoOnePiecePerLoopEachInOrder() throws Exception {
    DeliveryLoops loops = DeliveryLoops.of(vertx);
    assertEquals(4, loops.size());
    List<Integer> order = new CopyOnWriteArrayList<>();
    Map<Integer, String> threads = run(loops, 32, order);
    assertEquals(4, Map.copyOf(threads).values().stream().distinct().count());
    // Each piece is a run of consecutive tasks on one thread, in order there.
    for (String t : threads.values().stream().distinct().toList()) {
      List<Integer> mine = order.stream().filter(i -> threads.get(i).equals(t)).toList();
      assertEquals(8, mine.size());
      for (int k = 1; k < mine.size(); k++) {
        assertEquals(mine.get(k - 1) + 1, mine.get(k), "on " + t + ": " + mine);
      }
    }
  }

  @Test
  void smallBatchesTakeFewerLoopsAndTheNextBatchTheNextLoop() throws Exception {
    DeliveryLoops loops = DeliveryLoops.of(vertx);
    List<Integer> order = new CopyOnWriteArrayList<>();
    assertEquals(2, run(loops, 8, order).values().stream().distinct().count());
    List<String> singles = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      singles.add(run(loops, 1, new CopyOnWriteArrayList<>()).get(0));
    }
    assertEquals(4, singles.stream().distinct().count(), "one event a batch, in turn: " + singles);
  }
}
