package dev.skiff.wasm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.wasm.FunctionTimeoutException;
import dev.skiff.wasm.WagiResponse;
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
    e.armTimeout(pool);
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
}
