package dev.skiff.wasm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.skiff.wasm.FunctionCancelledException;
import dev.skiff.wasm.OverloadedException;
import dev.skiff.wasm.WagiResponse;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ExecutionTest {

  private static Execution execution(Promise<WagiResponse> promise) {
    return new Execution(
        promise,
        slot -> {
          throw new AssertionError("never runs");
        },
        new CpuPermits(1, 1).lane(),
        Duration.ofSeconds(30),
        line -> {});
  }

  @Test
  void refusedExecutionFinishesOnce() {
    Promise<WagiResponse> promise = Promise.promise();
    Execution e = execution(promise);
    var finished = new AtomicInteger();
    e.onFinish(finished::incrementAndGet);

    e.abort(new OverloadedException("the node's Wasm queue is full; retry shortly"));
    e.abort(new OverloadedException("again"));

    assertEquals(1, finished.get());
    assertInstanceOf(OverloadedException.class, promise.future().cause());
  }

  @Test
  void executionCancelledBeforeThePoolRefusedItStillFinishes() {
    // The revision is stopped (or the request timed out) between admission and submission, then
    // the pool refuses it: nothing will ever run it, so the refusal must release what it holds
    // (the revision's concurrency permit, the pool's admission count).
    Promise<WagiResponse> promise = Promise.promise();
    Execution e = execution(promise);
    var finished = new AtomicInteger();
    e.onFinish(finished::incrementAndGet);

    e.cancel(new FunctionCancelledException("the function's revision was stopped"));
    e.abort(new OverloadedException("the Wasm runtime is closed"));

    assertEquals(1, finished.get());
    assertInstanceOf(FunctionCancelledException.class, promise.future().cause());
  }
}
