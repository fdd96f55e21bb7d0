package dev.skiff.node.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AgentLoopTest {
  Vertx vertx;
  Context home;
  AgentLoop loop;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4));
    home = newContext();
    loop = new AgentLoop(home);
  }

  @AfterEach
  void tearDown() {
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  /** A new event-loop context (the next loop, round robin). */
  Context newContext() throws Exception {
    CompletableFuture<Context> c = new CompletableFuture<>();
    new Thread(() -> c.complete(vertx.getOrCreateContext())).start();
    return c.get(30, TimeUnit.SECONDS);
  }

  static String threadOf(Context c) throws Exception {
    CompletableFuture<String> name = new CompletableFuture<>();
    c.runOnContext(v -> name.complete(Thread.currentThread().getName()));
    return name.get(30, TimeUnit.SECONDS);
  }

  @Test
  void tasksFromEventLoopsAndOtherThreadsRunOneAtATimeInEachCallersOrder() throws Exception {
    int callers = 6;
    int perCaller = 2_000;
    AtomicInteger inside = new AtomicInteger();
    List<String> overlaps = new CopyOnWriteArrayList<>();
    List<List<Integer>> seen = new ArrayList<>();
    // Plain lists: only the loop's tasks touch them, so they need the loop's ordering to be safe.
    for (int i = 0; i < callers; i++) {
      seen.add(new ArrayList<>());
    }
    CountDownLatch done = new CountDownLatch(callers * perCaller);
    List<Runnable> submitters = new ArrayList<>();
    for (int c = 0; c < callers; c++) {
      int caller = c;
      Runnable submit =
          () -> {
            for (int n = 0; n < perCaller; n++) {
              int seq = n;
              loop.execute(
                  () -> {
                    if (inside.incrementAndGet() != 1) {
                      overlaps.add(caller + "/" + seq + " on " + Thread.currentThread().getName());
                    }
                    seen.get(caller).add(seq);
                    inside.decrementAndGet();
                    done.countDown();
                  });
            }
          };
      submitters.add(submit);
    }
    for (int c = 0; c < callers; c++) {
      Runnable submit = submitters.get(c);
      if (c < 4) {
        newContext().runOnContext(v -> submit.run());
      } else {
        new Thread(submit).start();
      }
    }
    org.junit.jupiter.api.Assertions.assertTrue(
        done.await(60, TimeUnit.SECONDS), "tasks left: " + done.getCount());
    CompletableFuture<List<List<Integer>>> snapshot = new CompletableFuture<>();
    loop.execute(() -> snapshot.complete(seen.stream().map(List::copyOf).toList()));
    List<Integer> inOrder = java.util.stream.IntStream.range(0, perCaller).boxed().toList();
    for (List<Integer> one : snapshot.get(30, TimeUnit.SECONDS)) {
      assertEquals(inOrder, one);
    }
    assertEquals(List.of(), overlaps);
  }

  @Test
  void anIdleLoopRunsTheTaskOnTheCallersEventLoop() throws Exception {
    Context caller = newContext();
    String callerThread = threadOf(caller);
    assertNotEquals(threadOf(home), callerThread);
    CompletableFuture<String> ranOn = new CompletableFuture<>();

    caller.runOnContext(v -> loop.execute(() -> ranOn.complete(Thread.currentThread().getName())));

    assertEquals(callerThread, ranOn.get(30, TimeUnit.SECONDS));
  }

  @Test
  void aCallerOffAnyEventLoopHasTheTaskRunOnTheHomeContext() throws Exception {
    CompletableFuture<Context> ranOn = new CompletableFuture<>();

    loop.execute(() -> ranOn.complete(Vertx.currentContext()));

    assertEquals(home, ranOn.get(30, TimeUnit.SECONDS));
  }

  @Test
  void whatTheLoopQueuedMeanwhileRunsBetweenTwoTasks() throws Exception {
    // The grant's hop to a request's context, queued by one task, must not wait behind the tasks
    // that task queued on the agent after it (its log line, event and status report).
    Context caller = newContext();
    List<String> order = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> second = new CompletableFuture<>();

    caller.runOnContext(
        v ->
            loop.execute(
                () -> {
                  order.add("first");
                  Vertx.currentContext().runOnContext(w -> order.add("hop"));
                  loop.execute(
                      () -> {
                        order.add("second");
                        second.complete(null);
                      });
                }));

    second.get(30, TimeUnit.SECONDS);
    assertEquals(List.of("first", "hop", "second"), order);
  }

  @Test
  void aTaskThatThrowsDoesNotStopTheOnesAfterIt() throws Exception {
    CompletableFuture<Void> after = new CompletableFuture<>();
    vertx.exceptionHandler(t -> {});

    loop.execute(
        () -> {
          throw new IllegalStateException("a bug in one task");
        });
    loop.execute(() -> after.complete(null));

    after.get(30, TimeUnit.SECONDS);
  }
}
