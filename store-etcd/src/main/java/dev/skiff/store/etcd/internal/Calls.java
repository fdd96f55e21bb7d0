package dev.skiff.store.etcd.internal;

import dev.skiff.controlplane.ControlPlaneException;
import dev.skiff.store.etcd.EtcdStoreException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Turns jetcd's {@link CompletableFuture}s into Vert.x futures completing on the caller's context
 * (when there is one), with etcd's failures as {@link EtcdStoreException}s naming the call.
 */
public final class Calls {
  private final String endpoints;
  private final Executor fallback;
  private final ScheduledExecutorService timer;
  private final Duration timeout;

  /**
   * @param endpoints etcd's endpoints, as errors name them
   * @param fallback the store's own thread, for callers without a Vert.x context
   * @param timer where call timeouts run
   * @param timeout how long a call may take before it fails
   */
  public Calls(
      String endpoints, Executor fallback, ScheduledExecutorService timer, Duration timeout) {
    this.endpoints = endpoints;
    this.fallback = fallback;
    this.timer = timer;
    this.timeout = timeout;
  }

  /** Runs tasks, in order, on the current Vert.x context, or on the store's thread without one. */
  public Executor callerExecutor() {
    Context ctx = Vertx.currentContext();
    Executor ex = ctx == null ? fallback : task -> ctx.runOnContext(v -> task.run());
    return task -> {
      try {
        ex.execute(task);
      } catch (RejectedExecutionException e) {
        task.run(); // the store is closed and its thread gone: complete inline
      }
    };
  }

  /** {@code call} mapped by {@code then}, which may throw a {@link ControlPlaneException}. */
  public <T, R> Future<R> map(CompletableFuture<T> call, String what, Function<T, R> then) {
    Executor executor = callerExecutor();
    Promise<R> promise = Promise.promise();
    ScheduledFuture<?> expiry;
    try {
      expiry =
          timer.schedule(
              () ->
                  call.completeExceptionally(
                      new TimeoutException("no answer in " + timeout.toMillis() + " ms")),
              timeout.toMillis(),
              TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      expiry = null; // the store is closing
    }
    ScheduledFuture<?> cancelExpiry = expiry;
    call.whenComplete(
        (value, err) -> {
          if (cancelExpiry != null) {
            cancelExpiry.cancel(false);
          }
          if (err != null) {
            Throwable t = translate(err, what);
            executor.execute(() -> promise.fail(t));
            return;
          }
          try {
            R r = then.apply(value);
            executor.execute(() -> promise.complete(r));
          } catch (RuntimeException e) {
            executor.execute(() -> promise.fail(e));
          }
        });
    return promise.future();
  }

  /** etcd's failure of {@code what} as a {@link ControlPlaneException}. */
  public Throwable translate(Throwable err, String what) {
    Throwable cause = unwrap(err);
    if (cause instanceof ControlPlaneException) {
      return cause;
    }
    return new EtcdStoreException(
        "etcd at " + endpoints + " failed to " + what + ": " + cause.getMessage(), cause);
  }

  public static Throwable unwrap(Throwable err) {
    Throwable t = err;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
