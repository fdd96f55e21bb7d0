package dev.skiff.controlplane.internal.resources;

import dev.skiff.controlplane.StaleRevisionException;
import io.vertx.core.Future;
import java.util.function.Supplier;

/**
 * Read-modify-write transactions by compare-and-set: run the attempt again, from a fresh read, when
 * another writer got in between. A caller-supplied resourceVersion that is stale is a different
 * outcome ({@link dev.skiff.controlplane.ConflictException}) which the attempt reports itself.
 */
public final class Retry {
  public static final int ATTEMPTS = 20;

  private Retry() {}

  public static <T> Future<T> onConflict(Supplier<Future<T>> attempt) {
    return onConflict(attempt, ATTEMPTS);
  }

  private static <T> Future<T> onConflict(Supplier<Future<T>> attempt, int left) {
    return attempt
        .get()
        .recover(
            err -> {
              if (err instanceof StaleRevisionException && left > 1) {
                return onConflict(attempt, left - 1);
              }
              return Future.failedFuture(err);
            });
  }
}
