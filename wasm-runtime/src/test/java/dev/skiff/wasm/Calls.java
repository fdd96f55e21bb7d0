package dev.skiff.wasm;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/** Waiting helpers for tests: futures with a deadline, conditions polled until a deadline. */
final class Calls {
  private Calls() {}

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException
          ? (RuntimeException) e.getCause()
          : new IllegalStateException(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The HTTP answer for a request: the function's response, or the one standing for its failure.
   */
  static WagiResponse respond(WasmFunction function, WagiRequest request) {
    return await(
        function.handle(request).recover(e -> Future.succeededFuture(WagiResponse.ofFailure(e))));
  }

  static WagiResponse get(WasmFunction function, String uri) {
    return respond(function, WagiRequest.builder().withUri(uri).build());
  }

  static void awaitCondition(Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + timeout);
      }
      Thread.onSpinWait();
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
