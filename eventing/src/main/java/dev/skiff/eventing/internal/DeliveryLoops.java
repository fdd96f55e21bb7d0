package dev.skiff.eventing.internal;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Context;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a trigger's deliveries run: one context on each of Vert.x's event loops, so that the work
 * of delivering (the CloudEvent's headers, the mesh's outbound side, an in-process sidecar's
 * stages, the answer) spreads over every core instead of one loop carrying all of a trigger's
 * events. Each batch the consumer thread hands over is cut into one piece per loop, in turn.
 * Deliveries do not depend on their loop: a record's outcome comes back to the consumer thread,
 * which alone keeps the partitions' order and offsets.
 */
final class DeliveryLoops {
  /**
   * The fewest events a piece carries when a batch has more than one: on a node with many loops a
   * small batch is not cut into a wake-up per event.
   */
  static final int MIN_PIECE = 4;

  private final List<Context> contexts;
  private int next;

  private DeliveryLoops(List<Context> contexts) {
    this.contexts = contexts;
  }

  /** A context on each event loop of {@code vertx}. */
  static DeliveryLoops of(Vertx vertx) {
    VertxInternal v = (VertxInternal) vertx;
    List<Context> contexts = new ArrayList<>();
    for (EventExecutor loop : v.nettyEventLoopGroup()) {
      contexts.add(
          v.contextBuilder()
              .withEventLoop((EventLoop) loop)
              .withThreadingModel(ThreadingModel.EVENT_LOOP)
              .build());
    }
    if (contexts.isEmpty()) {
      contexts.add(vertx.getOrCreateContext());
    }
    return new DeliveryLoops(List.copyOf(contexts));
  }

  int size() {
    return contexts.size();
  }

  /**
   * Runs {@code batch} (taken over: the caller must not change it) on the loops: in one piece per
   * loop (fewer when pieces would carry under {@link #MIN_PIECE} events), each in order on its
   * loop, starting with the loop after the last call's. Consumer thread only.
   */
  void run(List<Runnable> batch) {
    int n = batch.size();
    int pieces = Math.max(1, Math.min(contexts.size(), n / MIN_PIECE));
    for (int i = 0; i < pieces; i++) {
      List<Runnable> piece = batch.subList(i * n / pieces, (i + 1) * n / pieces);
      Context c = contexts.get(next);
      next = (next + 1) % contexts.size();
      c.runOnContext(v -> piece.forEach(Runnable::run));
    }
  }
}
