package dev.skiff.wasm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.wasm.FunctionCancelledException;
import dev.skiff.wasm.FunctionTimeoutException;
import dev.skiff.wasm.OverloadedException;
import dev.skiff.wasm.WagiResponse;
import dev.skiff.wasm.WasmRuntime;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {
  private static final WagiResponse OK = new WagiResponse(200, Map.of(), new byte[0]);

  private static Future<WagiResponse> submit(
      WorkerPool pool,
      CpuPermits.Lane lane,
      Duration timeout,
      Function<CpuSlot, WagiResponse> work) {
    Promise<WagiResponse> promise = Promise.promise();
    var e = new Execution(promise, work, lane, timeout, line -> {});
    e.armTimeout(pool.timeouts(timeout));
    assertTrue(pool.submit(e));
    return promise.future();
  }

  private static void await(Future<?> f) throws InterruptedException {
    var done = new CountDownLatch(1);
    f.onComplete(ar -> done.countDown());
    assertTrue(done.await(30, TimeUnit.SECONDS), "not finished in time");
  }

  @Test
  void aBacklogRunsOnTheThreadWhoseRequestEndedWithoutAThreadPerRequest() throws Exception {
    try (var pool = new WorkerPool(1, 1, 100)) {
      var lane = pool.lane();
      var release = new CountDownLatch(1);
      Set<Thread> threads = ConcurrentHashMap.newKeySet();
      List<Future<WagiResponse>> all = new ArrayList<>();
      all.add(
          submit(
              pool,
              lane,
              Duration.ofSeconds(60),
              slot -> {
                threads.add(Thread.currentThread());
                try {
                  release.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                return OK;
              }));
      for (int i = 0; i < 20; i++) {
        all.add(
            submit(
                pool,
                lane,
                Duration.ofSeconds(60),
                slot -> {
                  threads.add(Thread.currentThread());
                  return OK;
                }));
      }
      // The first holds the only permit until every other one is queued behind it.
      release.countDown();
      for (Future<WagiResponse> f : all) {
        await(f);
        assertTrue(f.succeeded(), () -> "failed: " + f.cause());
      }
      assertEquals(1, threads.size(), "threads used: " + threads);
    }
  }

  @Test
  void aQueuedRequestThatTimesOutLeavesTheQueueAtOnce() throws Exception {
    try (var pool = new WorkerPool(1, 1, 100)) {
      var lane = pool.lane();
      var release = new CountDownLatch(1);
      var running =
          submit(
              pool,
              lane,
              Duration.ofSeconds(60),
              slot -> {
                try {
                  release.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                return OK;
              });
      var queued =
          submit(
              pool,
              lane,
              Duration.ofMillis(50),
              slot -> {
                throw new AssertionError("a request that timed out in the queue never runs");
              });
      await(queued);
      assertInstanceOf(FunctionTimeoutException.class, queued.cause());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (pool.executions() != 1 || pool.queued() != 0) {
        assertTrue(System.nanoTime() < deadline, "the timed-out request still counts");
        Thread.sleep(5);
      }
      release.countDown();
      await(running);
      assertTrue(running.succeeded());
    }
  }

  @Test
  void aBurstOverManyRevisionsWaitsWithoutAThreadEachAndIsNotRefused() throws Exception {
    // The burst scenario's shape: 100 revisions, 50 requests each, all at once, while every
    // permit is busy. The node's default queue takes them all; none waits on a thread of its own.
    try (var pool = new WorkerPool(4, 3, WasmRuntime.DEFAULT_QUEUE_CAPACITY)) {
      var release = new CountDownLatch(1);
      List<Future<WagiResponse>> all = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        all.add(
            submit(
                pool,
                pool.lane(),
                Duration.ofSeconds(120),
                slot -> {
                  try {
                    release.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return OK;
                }));
      }
      int threadsBefore = Thread.activeCount();
      int refused = 0;
      for (int revision = 0; revision < 100; revision++) {
        var lane = pool.lane();
        for (int i = 0; i < 50; i++) {
          Promise<WagiResponse> promise = Promise.promise();
          var e = new Execution(promise, slot -> OK, lane, Duration.ofSeconds(120), line -> {});
          e.armTimeout(pool.timeouts(Duration.ofSeconds(120)));
          if (pool.submit(e)) {
            all.add(promise.future());
          } else {
            refused++;
            e.abort(new OverloadedException("refused"));
          }
        }
      }
      assertEquals(0, refused, "requests refused of 5,000");
      assertTrue(
          Thread.activeCount() < threadsBefore + 100,
          () -> Thread.activeCount() + " threads for 5,000 waiting requests");
      release.countDown();
      for (Future<WagiResponse> f : all) {
        await(f);
        assertTrue(f.succeeded(), () -> "failed: " + f.cause());
      }
      awaitIdle(pool);
    }
  }

  @Test
  void everyAdmittedRequestGivesItsPlaceBackWhateverEndsIt() throws Exception {
    // Many lanes, concurrent submitters, and requests that end every way: answered, failed,
    // timed out while queued or running, cancelled while queued or running. Afterwards nothing
    // counts as admitted, waiting or computing.
    try (var pool = new WorkerPool(4, 3, 64)) {
      List<CpuPermits.Lane> lanes = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        lanes.add(pool.lane());
      }
      // Shared by every submitter, as a function's timeouts are by its callers.
      RequestTimeouts quick = pool.timeouts(Duration.ofMillis(1));
      RequestTimeouts slow = pool.timeouts(Duration.ofSeconds(60));
      List<Future<WagiResponse>> all = java.util.Collections.synchronizedList(new ArrayList<>());
      var submitters = java.util.concurrent.Executors.newFixedThreadPool(8);
      try {
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          int seed = t;
          done.add(
              submitters.submit(
                  () -> {
                    var random = new java.util.Random(seed);
                    for (int i = 0; i < 300; i++) {
                      int kind = random.nextInt(5);
                      Promise<WagiResponse> promise = Promise.promise();
                      var e =
                          new Execution(
                              promise,
                              slot -> {
                                if (kind == 1) {
                                  throw new IllegalStateException("guest failed");
                                }
                                if (kind == 2) {
                                  spinUntilInterrupted(Duration.ofSeconds(30));
                                }
                                return OK;
                              },
                              lanes.get(random.nextInt(lanes.size())),
                              kind == 2 ? Duration.ofMillis(1) : Duration.ofSeconds(60),
                              line -> {});
                      e.armTimeout(kind == 2 ? quick : slow);
                      if (!pool.submit(e)) {
                        e.abort(new OverloadedException("refused"));
                      } else if (kind == 3) {
                        e.cancel(new FunctionCancelledException("client went away"));
                      }
                      all.add(promise.future());
                    }
                  }));
        }
        for (var f : done) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        submitters.shutdownNow();
      }
      for (Future<WagiResponse> f : List.copyOf(all)) {
        await(f);
      }
      awaitIdle(pool);
    }
  }

  private static void spinUntilInterrupted(Duration most) {
    long end = System.nanoTime() + most.toNanos();
    while (!Thread.currentThread().isInterrupted() && System.nanoTime() < end) {
      Thread.onSpinWait();
    }
  }

  private static void awaitIdle(WorkerPool pool) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (pool.executions() != 0 || pool.queued() != 0 || pool.busy() != 0) {
      assertTrue(
          System.nanoTime() < deadline,
          () ->
              "still admitted "
                  + pool.executions()
                  + ", waiting "
                  + pool.queued()
                  + ", computing "
                  + pool.busy());
      Thread.sleep(5);
    }
  }
}
