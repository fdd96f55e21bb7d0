package dev.skiff.node.container.internal;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FineTimerTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void runsASubMillisecondDelayOnTheCallersEventLoopContext() throws Exception {
    assertRunsOnTheCallersContext(vertx.getOrCreateContext(), 250_000);
  }

  @Test
  void runsALongerDelayOnTheCallersContextAsAVertxTimer() throws Exception {
    assertRunsOnTheCallersContext(vertx.getOrCreateContext(), 3_000_000);
  }

  @Test
  void runsOnAWorkerContextToo() throws Exception {
    Context worker = ((io.vertx.core.internal.VertxInternal) vertx).createWorkerContext();
    assertTrue(worker.isWorkerContext());
    assertRunsOnTheCallersContext(worker, 250_000);
  }

  @Test
  void runsWhenCalledOffAnyContext() throws Exception {
    CompletableFuture<Boolean> ran = new CompletableFuture<>();
    FineTimer.after(vertx, 250_000, () -> ran.complete(true));
    assertTrue(ran.get(30, TimeUnit.SECONDS));
  }

  private void assertRunsOnTheCallersContext(Context ctx, long nanos) throws Exception {
    CompletableFuture<Context> ranOn = new CompletableFuture<>();
    ctx.runOnContext(
        v -> FineTimer.after(vertx, nanos, () -> ranOn.complete(Vertx.currentContext())));
    assertSame(ctx, ranOn.get(30, TimeUnit.SECONDS));
  }
}
