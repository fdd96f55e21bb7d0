package dev.skiff.wasm;

import static dev.skiff.wasm.Calls.await;
import static dev.skiff.wasm.Calls.awaitCondition;
import static dev.skiff.wasm.Calls.get;
import static dev.skiff.wasm.FailureOutcomesTest.failureOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Many requests at once, limits on them, and isolation between functions. */
class ConcurrencyTest {
  private static final byte[] ECHO = Wat.echo("Content-Type: text/plain\n");

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void twoHundredConcurrentRequestsAllSucceed(ExecutionMode mode) {
    try (var runtime = WasmRuntime.builder().withMode(mode).withThreads(4).build()) {
      var function = runtime.load(ECHO, WasmConfig.builder().build());
      var futures = new ArrayList<Future<WagiResponse>>();
      for (int i = 0; i < 200; i++) {
        byte[] body = ("request " + i).getBytes(StandardCharsets.UTF_8);
        futures.add(
            function.handle(WagiRequest.builder().withMethod("POST").withBody(body).build()));
      }

      for (int i = 0; i < 200; i++) {
        var response = await(futures.get(i));
        assertEquals(200, response.status());
        assertEquals("request " + i, response.bodyText());
      }
      awaitCondition(Duration.ofSeconds(5), () -> function.inFlight() == 0);
    }
  }

  /** The WASI functions are built once per module and shared: each request still sees its own. */
  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void concurrentRequestsEachSeeTheirOwnEnvironmentAndStreams(ExecutionMode mode) {
    try (var runtime = WasmRuntime.builder().withMode(mode).withThreads(4).build()) {
      var dump = runtime.load(Wat.envDump(), WasmConfig.builder().build());
      var echo = runtime.load(ECHO, WasmConfig.builder().build());
      var dumps = new ArrayList<Future<WagiResponse>>();
      var echoes = new ArrayList<Future<WagiResponse>>();
      for (int i = 0; i < 100; i++) {
        dumps.add(dump.handle(WagiRequest.builder().withHeader("X-Request", "r" + i).build()));
        byte[] body = ("body " + i).getBytes(StandardCharsets.UTF_8);
        echoes.add(echo.handle(WagiRequest.builder().withMethod("POST").withBody(body).build()));
      }

      for (int i = 0; i < 100; i++) {
        String env = await(dumps.get(i)).bodyText();
        assertTrue(env.contains("\0HTTP_X_REQUEST=r" + i + "\0"), env);
        assertEquals(1, env.split("HTTP_X_REQUEST=", -1).length - 1, env);
        assertEquals("body " + i, await(echoes.get(i)).bodyText());
      }
    }
  }

  @Test
  void wellBehavedFunctionKeepsAnsweringWhileAnotherTimesOut() {
    try (var runtime = WasmRuntime.builder().withThreads(2).build()) {
      var looping =
          runtime.load(
              Wat.infiniteLoop(), WasmConfig.builder().withTimeout(Duration.ofSeconds(3)).build());
      var echo = runtime.load(ECHO, WasmConfig.builder().build());
      var stuck = looping.handle(WagiRequest.builder().build());
      awaitCondition(Duration.ofSeconds(2), () -> runtime.stats().busyThreads() == 1);

      long start = System.nanoTime();
      for (int i = 0; i < 50; i++) {
        assertEquals(200, get(echo, "/").status());
      }
      var elapsed = Duration.ofNanos(System.nanoTime() - start);

      assertFalse(stuck.isComplete(), "the looping request is still running");
      assertTrue(elapsed.toMillis() < 2500, "50 requests took " + elapsed);
      assertInstanceOf(FunctionTimeoutException.class, failureOf(stuck));
      awaitCondition(Duration.ofSeconds(2), () -> runtime.stats().busyThreads() == 0);
    }
  }

  @Test
  void requestsBeyondTheConcurrencyLimitAreRefusedAsOverloaded() {
    try (var runtime = WasmRuntime.builder().withThreads(4).build()) {
      var looping =
          runtime.load(
              Wat.infiniteLoop(),
              WasmConfig.builder().withConcurrency(1).withTimeout(Duration.ofMillis(300)).build());
      var first = looping.handle(WagiRequest.builder().build());

      var second = failureOf(looping.handle(WagiRequest.builder().build()));

      assertInstanceOf(OverloadedException.class, second);
      assertEquals(503, WagiResponse.statusOf(second));
      assertInstanceOf(FunctionTimeoutException.class, failureOf(first));
      awaitCondition(Duration.ofSeconds(2), () -> looping.inFlight() == 0);
      // the permit came back with the timed-out request
      assertInstanceOf(
          FunctionTimeoutException.class, failureOf(looping.handle(WagiRequest.builder().build())));
    }
  }

  @Test
  void requestsBeyondTheQueueAreRefusedAsOverloaded() {
    try (var runtime = WasmRuntime.builder().withThreads(1).withQueueCapacity(1).build()) {
      var looping =
          runtime.load(
              Wat.infiniteLoop(), WasmConfig.builder().withTimeout(Duration.ofSeconds(2)).build());
      var running = looping.handle(WagiRequest.builder().build());
      awaitCondition(Duration.ofSeconds(2), () -> runtime.stats().busyThreads() == 1);
      var queued = looping.handle(WagiRequest.builder().build());

      var refused = failureOf(looping.handle(WagiRequest.builder().build()));

      assertInstanceOf(OverloadedException.class, refused);
      assertInstanceOf(FunctionTimeoutException.class, failureOf(running));
      assertInstanceOf(FunctionTimeoutException.class, failureOf(queued));
    }
  }

  @Test
  void closingTheRuntimeFailsQueuedRequestsAndStopsRunningOnes() {
    var runtime = WasmRuntime.builder().withThreads(1).build();
    var looping =
        runtime.load(
            Wat.infiniteLoop(), WasmConfig.builder().withTimeout(Duration.ofSeconds(30)).build());
    var running = looping.handle(WagiRequest.builder().build());
    awaitCondition(Duration.ofSeconds(2), () -> runtime.stats().busyThreads() == 1);
    var queued = looping.handle(WagiRequest.builder().build());

    runtime.close();

    assertInstanceOf(OverloadedException.class, failureOf(queued));
    assertInstanceOf(OverloadedException.class, failureOf(running));
    awaitCondition(Duration.ofSeconds(10), () -> runtime.stats().executions() == 0);
    assertInstanceOf(
        OverloadedException.class, failureOf(looping.handle(WagiRequest.builder().build())));
  }

  @Test
  void aBusyRevisionCannotTakeEveryCpuPermit() {
    try (var runtime = WasmRuntime.builder().withThreads(4).withRevisionShare(4).build()) {
      var looping =
          runtime.load(
              Wat.infiniteLoop(), WasmConfig.builder().withTimeout(Duration.ofSeconds(60)).build());
      var echo = runtime.load(ECHO, WasmConfig.builder().build());
      var stuck = new ArrayList<Future<WagiResponse>>();
      for (int i = 0; i < 10; i++) {
        stuck.add(looping.handle(WagiRequest.builder().build()));
      }
      // the looping revision holds all permits but one, its other requests wait in its lane
      awaitCondition(
          Duration.ofSeconds(10),
          () -> runtime.stats().busyThreads() == 3 && runtime.stats().queued() == 7);

      assertEquals(200, get(echo, "/").status());

      assertTrue(stuck.stream().noneMatch(Future::isComplete), "the looping requests still run");
      looping.close();
      awaitCondition(Duration.ofSeconds(10), () -> runtime.stats().executions() == 0);
    }
  }

  @Test
  void aRevisionHoldsAtMostItsShareOfThePermits() {
    try (var runtime = WasmRuntime.builder().withThreads(4).withRevisionShare(1).build()) {
      var looping =
          runtime.load(
              Wat.infiniteLoop(), WasmConfig.builder().withTimeout(Duration.ofSeconds(60)).build());
      var stuck = new ArrayList<Future<WagiResponse>>();
      for (int i = 0; i < 5; i++) {
        stuck.add(looping.handle(WagiRequest.builder().build()));
      }
      awaitCondition(
          Duration.ofSeconds(10),
          () -> runtime.stats().busyThreads() == 1 && runtime.stats().queued() == 4);

      looping.close();
      awaitCondition(Duration.ofSeconds(10), () -> runtime.stats().executions() == 0);
      assertTrue(stuck.stream().allMatch(Future::isComplete));
    }
  }

  @Test
  void aGuestSleepingInWasiHoldsNoCpuPermit() {
    try (var runtime = WasmRuntime.builder().withThreads(2).build()) {
      var sleeping =
          runtime.load(
              Wat.sleeping(60_000),
              WasmConfig.builder().withTimeout(Duration.ofSeconds(90)).build());
      var echo = runtime.load(ECHO, WasmConfig.builder().build());
      var sleepers = new ArrayList<Future<WagiResponse>>();
      for (int i = 0; i < 8; i++) {
        sleepers.add(sleeping.handle(WagiRequest.builder().build()));
      }
      awaitCondition(
          Duration.ofSeconds(10),
          () -> runtime.stats().executions() == 8 && runtime.stats().busyThreads() == 0);

      assertEquals(200, get(echo, "/").status());

      assertTrue(sleepers.stream().noneMatch(Future::isComplete), "the sleepers still sleep");
      sleeping.close();
      awaitCondition(Duration.ofSeconds(10), () -> runtime.stats().executions() == 0);
      assertInstanceOf(FunctionCancelledException.class, failureOf(sleepers.get(0)));
    }
  }

  @Test
  void aShortSleepWakesAndAnswers() {
    try (var runtime = WasmRuntime.builder().withThreads(1).build()) {
      var sleeping = runtime.load(Wat.sleeping(10), WasmConfig.builder().build());

      assertEquals("slept", get(sleeping, "/").bodyText());
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void aLoopingGuestStopsWhenItsRequestIsGone(ExecutionMode mode) {
    try (var runtime = WasmRuntime.builder().withMode(mode).withThreads(2).build()) {
      var looping =
          runtime.load(
              Wat.infiniteLoop(),
              WasmConfig.builder().withTimeout(Duration.ofSeconds(3600)).build());
      Promise<Void> gone = Promise.promise();
      var request = looping.handle(WagiRequest.builder().build(), gone.future());
      awaitCondition(Duration.ofSeconds(10), () -> runtime.stats().busyThreads() == 1);

      gone.complete();

      awaitCondition(Duration.ofSeconds(10), () -> runtime.stats().executions() == 0);
      assertEquals(0, looping.inFlight());
      var failure = failureOf(request);
      assertInstanceOf(FunctionCancelledException.class, failure);
      assertEquals(503, WagiResponse.statusOf(failure));
    }
  }

  @Test
  void futureCompletesOnTheCallersVertxContext() {
    var vertx = Vertx.vertx();
    try (var runtime = WasmRuntime.builder().build()) {
      var function = runtime.load(ECHO, WasmConfig.builder().build());
      var context = vertx.getOrCreateContext();
      Promise<Boolean> sameContext = Promise.promise();

      context.runOnContext(
          v ->
              function
                  .handle(WagiRequest.builder().build())
                  .onComplete(ar -> sameContext.complete(Vertx.currentContext() == context)));

      assertTrue(await(sameContext.future()));
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void wasmNeverRunsOnTheCallingThread() {
    List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (var runtime = WasmRuntime.builder().build()) {
      var function =
          runtime.load(
              Wat.printingTo(2, "where am I\n"),
              WasmConfig.builder()
                  .withLogSink((fn, source, line) -> threads.add(Thread.currentThread().getName()))
                  .build());

      failureOf(function.handle(WagiRequest.builder().build()));

      assertTrue(threads.get(0).startsWith("skiff-wasm-"), threads.toString());
    }
  }
}
