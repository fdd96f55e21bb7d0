package dev.skiff.meshproxy.internal;

import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.meshproxy.OverloadedException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConcurrencyLimitTest {
  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();
  private final Future<Void> never = Promise.<Void>promise().future();

  @AfterEach
  void close() {
    vertx.close();
  }

  @Test
  void grantsUpToCapacityQueuesUpToDepthAndRefusesBeyond() {
    ConcurrencyLimit limit = new ConcurrencyLimit(1, 1);

    assertTrue(limit.acquire(context, never).succeeded());
    Future<Void> waiting = limit.acquire(context, never);
    Future<Void> refused = limit.acquire(context, never);

    assertFalse(waiting.isComplete());
    assertTrue(refused.failed());
    assertTrue(refused.cause() instanceof OverloadedException, refused.cause().toString());
    limit.release();
    eventually("the waiter gets the slot", waiting::succeeded);
    assertEquals(0, limit.waiting());
  }

  @Test
  void aCancelledWaiterLeavesTheQueueAndTheNextGetsTheSlot() {
    ConcurrencyLimit limit = new ConcurrencyLimit(1, 2);
    limit.acquire(context, never);
    Promise<Void> cancel = Promise.promise();
    Future<Void> gone = limit.acquire(context, cancel.future());
    Future<Void> next = limit.acquire(context, never);

    cancel.fail(new IllegalStateException("client left"));
    limit.release();

    assertTrue(gone.failed());
    eventually("the next waiter gets the slot", next::succeeded);
    assertEquals(0, limit.waiting());
  }

  @Test
  void zeroCapacityMeansUnlimited() {
    ConcurrencyLimit limit = new ConcurrencyLimit(0, 0);
    for (int i = 0; i < 10_000; i++) {
      assertTrue(limit.acquire(context, never).succeeded());
    }
  }
}
