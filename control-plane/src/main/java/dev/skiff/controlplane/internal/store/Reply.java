package dev.skiff.controlplane.internal.store;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * A future completed on the thread of whoever asked: their Vert.x context when they asked on one,
 * else the store's event thread, so store threads never run callers' callbacks.
 */
final class Reply<T> {
  private final Promise<T> promise = Promise.promise();
  private final Executor executor;

  Reply(Executor fallback) {
    this.executor = callerExecutor(fallback);
  }

  /** Runs tasks, in order, on the current Vert.x context, or on {@code fallback} without one. */
  static Executor callerExecutor(Executor fallback) {
    Context ctx = Vertx.currentContext();
    Executor ex = ctx == null ? fallback : task -> ctx.runOnContext(v -> task.run());
    return task -> {
      try {
        ex.execute(task);
      } catch (RejectedExecutionException e) {
        task.run(); // the store is closed and its event thread gone: complete inline
      }
    };
  }

  Future<T> future() {
    return promise.future();
  }

  void succeed(T value) {
    executor.execute(() -> promise.complete(value));
  }

  void fail(Throwable cause) {
    executor.execute(() -> promise.fail(cause));
  }
}
