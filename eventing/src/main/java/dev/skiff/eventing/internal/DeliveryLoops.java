package dev.skiff.eventing.internal;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayList;
import java.util.List;

/**
 * The event-loop contexts one trigger's deliveries run on: one per event loop of the Vert.x
 * instance, so an event's work on the loops (the mesh call, the in-process sidecar, the completion
 * chain) is spread over every core instead of queueing on one loop while the others idle. Each
 * delivery stays on the context it starts on (its retries, timers and completions too); what the
 * deliveries share (counters, the consumer's completion queue) is thread-safe, and the consumer
 * thread alone orders, tracks and commits offsets, so which loop an event runs on changes no
 * guarantee.
 */
final class DeliveryLoops {
  private final List<Context> contexts;
  private int next;

  DeliveryLoops(List<Context> contexts) {
    if (contexts.isEmpty()) {
      throw new IllegalArgumentException("at least one context");
    }
    this.contexts = List.copyOf(contexts);
  }

  /** A new context on each of {@code vertx}'s event loops. */
  static DeliveryLoops onEveryEventLoop(Vertx vertx) {
    VertxInternal v = (VertxInternal) vertx;
    List<Context> contexts = new ArrayList<>();
    for (EventExecutor e : v.nettyEventLoopGroup()) {
      if (e instanceof EventLoop loop) {
        ContextInternal c = v.contextBuilder().withEventLoop(loop).build();
        contexts.add(c);
      }
    }
    if (contexts.isEmpty()) {
      contexts.add(v.createEventLoopContext());
    }
    return new DeliveryLoops(contexts);
  }

  int size() {
    return contexts.size();
  }

  /**
   * The caller's thread only: runs {@code tasks} on the contexts, round robin one task at a time
   * (continuing where the last call stopped), each context's share in one hand-over, in order.
   */
  void spread(List<Runnable> tasks) {
    int n = contexts.size();
    if (n == 1 || tasks.size() == 1) {
      Context c = contexts.get(Math.floorMod(next++, n));
      List<Runnable> all = List.copyOf(tasks);
      c.runOnContext(x -> all.forEach(Runnable::run));
      return;
    }
    List<List<Runnable>> shares = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      shares.add(new ArrayList<>(tasks.size() / n + 1));
    }
    for (Runnable t : tasks) {
      shares.get(Math.floorMod(next++, n)).add(t);
    }
    for (int i = 0; i < n; i++) {
      List<Runnable> share = shares.get(i);
      if (!share.isEmpty()) {
        contexts.get(i).runOnContext(x -> share.forEach(Runnable::run));
      }
    }
  }
}
