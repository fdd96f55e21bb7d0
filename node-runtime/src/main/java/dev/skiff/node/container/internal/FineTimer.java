package dev.skiff.node.container.internal;

import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.util.concurrent.TimeUnit;

/**
 * A one-shot timer finer than Vert.x's millisecond timers, for the start-up probes of a container
 * just exec'd ({@link StartProbeSchedule}). A delay under a millisecond, asked for on an event-loop
 * context's own thread, is scheduled on that event loop itself (with the native epoll transport its
 * timer has microsecond resolution) and runs on the context; anything else becomes a Vert.x timer
 * of at least a millisecond, as before.
 */
public final class FineTimer {
  private static final long MILLI = TimeUnit.MILLISECONDS.toNanos(1);

  private FineTimer() {}

  /** Runs {@code task} on the caller's context once {@code nanos} have passed. */
  public static void after(Vertx vertx, long nanos, Runnable task) {
    Context context = Vertx.currentContext();
    EventLoop loop =
        nanos < MILLI && context instanceof ContextInternal c && context.isEventLoopContext()
            ? c.nettyEventLoop()
            : null;
    if (loop == null || !loop.inEventLoop()) {
      vertx.setTimer(
          Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + MILLI - 1)), id -> task.run());
      return;
    }
    loop.schedule(() -> context.runOnContext(v -> task.run()), nanos, TimeUnit.NANOSECONDS);
  }
}
