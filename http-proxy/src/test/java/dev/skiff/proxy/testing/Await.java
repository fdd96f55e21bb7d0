package dev.skiff.proxy.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/** Blocking helpers for test threads (never event loops). */
public final class Await {
  private Await() {}

  /** The result of {@code f}, waiting up to 30 s; fails the test when it fails or takes longer. */
  public static <T> T await(Future<T> f) {
    return await(f, Duration.ofSeconds(30));
  }

  public static <T> T await(Future<T> f, Duration limit) {
    try {
      return f.toCompletionStage()
          .toCompletableFuture()
          .get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("future failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("future did not complete within " + limit, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Polls {@code condition} until it holds, failing after {@code limit}. */
  public static void eventually(Duration limit, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out after " + limit + " waiting until " + what);
      }
      try {
        Thread.sleep(2); // a polling interval, not a wait for the condition
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** Polls {@code condition} until it holds, failing after 20 s. */
  public static void eventually(String what, BooleanSupplier condition) {
    eventually(Duration.ofSeconds(20), what, condition);
  }
}
