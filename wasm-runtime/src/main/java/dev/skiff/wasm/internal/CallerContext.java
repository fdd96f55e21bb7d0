package dev.skiff.wasm.internal;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/** Hands results back to the Vert.x context that asked for them, if any. */
public final class CallerContext {
  private CallerContext() {}

  /**
   * Called on the caller's thread: a future that completes on the caller's Vert.x context, or
   * {@code result} itself when the caller has no context or the result is already complete.
   */
  public static <T> Future<T> completeOnCaller(Future<T> result) {
    Context context = Vertx.currentContext();
    if (context == null || result.isComplete()) {
      return result;
    }
    Promise<T> onContext = Promise.promise();
    result.onComplete(
        (value, failure) -> context.runOnContext(v -> onContext.complete(value, failure)));
    return onContext.future();
  }
}
