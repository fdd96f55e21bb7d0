package dev.skiff.wasm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.wasm.ExecutionMode;
import dev.skiff.wasm.FunctionTimeoutException;
import dev.skiff.wasm.OverloadedException;
import dev.skiff.wasm.WagiRequest;
import dev.skiff.wasm.WagiResponse;
import dev.skiff.wasm.WasmConfig;
import dev.skiff.wasm.Wat;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Request timeouts of a function, as its requests see them through a real worker pool. */
class RequestTimeoutsTest {

  private static DefaultWasmFunction function(WorkerPool pool, byte[] module, Duration timeout) {
    WasmConfig config = WasmConfig.builder().withTimeout(timeout).build();
    CompiledWasm compiled =
        new ModuleCompiler(ExecutionMode.INTERPRETED, null).compile(module, config);
    return new DefaultWasmFunction(compiled, config, pool, new MemoryBudget(0));
  }

  private static <T> Future<T> await(Future<T> future) throws InterruptedException {
    var done = new CountDownLatch(1);
    future.onComplete(ar -> done.countDown());
    assertTrue(done.await(30, TimeUnit.SECONDS), "not finished in time");
    return future;
  }

  @Test
  void sequentialRequestsOfAFunctionDoNotEachWakeTheTimerThread() throws Exception {
    // A request's timeout used to be a task of its own on the pool's timer thread; when no other
    // request was in flight it became the earliest task and woke that thread, once per request.
    try (var pool = new WorkerPool(2, 1, 100)) {
      var echo = function(pool, Wat.echo("Content-Type: text/plain\n"), Duration.ofSeconds(30));
      long before = pool.timersArmed();
      for (int i = 0; i < 100; i++) {
        byte[] body = ("r" + i).getBytes(StandardCharsets.UTF_8);
        WagiResponse answer =
            await(echo.handle(WagiRequest.builder().withMethod("POST").withBody(body).build()))
                .result();
        assertEquals("r" + i, answer.bodyText());
      }
      long armed = pool.timersArmed() - before;
      assertTrue(armed <= 2, "the timer was armed " + armed + " times for 100 requests");
    }
  }

  @Test
  void aNewFunctionInstancesFirstRequestGivesTheTimerThreadNoTask() throws Exception {
    // A cold start is a new function instance of a module the runtime holds. Its first request
    // gave the timer thread two tasks (its function's own request timeouts, and its memory pool's
    // trim once it kept the memory), which woke that thread when they became the earliest.
    try (var pool = new WorkerPool(2, 1, 100)) {
      byte[] module = Wat.echo("Content-Type: text/plain\n");
      WasmConfig config = WasmConfig.builder().withTimeout(Duration.ofSeconds(30)).build();
      CompiledWasm compiled =
          new ModuleCompiler(ExecutionMode.INTERPRETED, null).compile(module, config);
      var budget = new MemoryBudget(1 << 24);
      var warm = new DefaultWasmFunction(compiled, config, pool, budget);
      byte[] body = "warm".getBytes(StandardCharsets.UTF_8);
      assertEquals(
          "warm",
          await(warm.handle(WagiRequest.builder().withMethod("POST").withBody(body).build()))
              .result()
              .bodyText());
      long before = pool.timersArmed();

      var cold = new DefaultWasmFunction(compiled, config, pool, budget);
      body = "cold".getBytes(StandardCharsets.UTF_8);
      assertEquals(
          "cold",
          await(cold.handle(WagiRequest.builder().withMethod("POST").withBody(body).build()))
              .result()
              .bodyText());

      assertEquals(0, pool.timersArmed() - before, "tasks given to the timer by the cold start");
      cold.close();
      warm.close();
    }
  }

  @Test
  void aLoopingRequestTimesOutAfterAnEarlierRequestOfItsFunctionFinished() throws Exception {
    try (var pool = new WorkerPool(2, 1, 100)) {
      var looping = function(pool, Wat.infiniteLoop(), Duration.ofMillis(300));
      var first = looping.handle(WagiRequest.builder().build());
      await(first);
      assertInstanceOf(FunctionTimeoutException.class, first.cause());
      // The timer that ended the first now has nothing left; the second must still get its own.
      var second = looping.handle(WagiRequest.builder().build());
      await(second);
      assertInstanceOf(FunctionTimeoutException.class, second.cause());
      // Its answer comes first; the guest is stopped right after.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (looping.inFlight() != 0 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertEquals(0, looping.inFlight());
    }
  }

  @Test
  void eachRequestTimesOutAtItsOwnDeadlineFromOneTimerTaskAtATime() {
    var clock = new AtomicLong();
    List<Long> delays = new ArrayList<>();
    List<Runnable> tasks = new ArrayList<>();
    var timeouts =
        new RequestTimeouts(
            Duration.ofNanos(100),
            clock::get,
            (task, delay) -> {
              tasks.add(task);
              delays.add(delay.toNanos());
              return null;
            });
    Promise<WagiResponse> first = Promise.promise();
    Promise<WagiResponse> second = Promise.promise();
    Promise<WagiResponse> third = Promise.promise();
    Execution a = queued(first);
    a.armTimeout(timeouts);
    clock.set(40);
    Execution b = queued(second);
    b.armTimeout(timeouts);
    assertEquals(List.of(100L), delays, "the second request gave the timer no task");

    clock.set(100);
    tasks.get(0).run();
    assertInstanceOf(FunctionTimeoutException.class, first.future().cause());
    assertFalse(second.future().isComplete(), "the second is not due before 140");
    assertEquals(List.of(100L, 40L), delays);

    b.abort(new OverloadedException("answered meanwhile")); // finishes it
    clock.set(140);
    tasks.get(1).run();
    assertInstanceOf(OverloadedException.class, second.future().cause());
    assertEquals(0, timeouts.pending(), "a finished request is not kept");
    assertEquals(2, tasks.size(), "nothing pending: no further task");

    queued(third).armTimeout(timeouts);
    assertEquals(List.of(100L, 40L, 100L), delays, "a request after a quiet spell arms it again");
  }

  private static Execution queued(Promise<WagiResponse> promise) {
    return new Execution(
        promise,
        slot -> {
          throw new AssertionError("never runs");
        },
        new CpuPermits(1, 1).lane(),
        Duration.ofNanos(100),
        line -> {});
  }
}
