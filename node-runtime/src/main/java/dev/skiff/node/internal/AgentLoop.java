package dev.skiff.node.internal;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.concurrent.Executor;

/**
 * The node agent's confinement: runs each task handed to it on a turn of its own of one event loop,
 * as {@code runOnContext} on one context did, but that loop is chosen afresh whenever the agent is
 * idle: the caller's, when the caller is on an event loop of the agent's Vert.x instance, else the
 * agent's home context. So a request's event loop that pokes a revision at zero runs the agent's
 * start, its publication and the grant of the waiting request itself, without waking another thread
 * and hopping back.
 *
 * <p>While any task is queued or running, every new one is queued on the same loop, at once: the
 * tasks run one at a time, each caller's in its order, interleaved with the loop's other work as
 * before (a granted request's hop runs before the tasks queued after it). A task finishes before
 * the loop can change (the count below, under the lock), so the next loop's thread sees all it did.
 */
public final class AgentLoop implements Executor {
  private final Context home;

  // Guarded by this.
  private Context bound;
  private int pending;

  public AgentLoop(Context home) {
    this.home = home;
  }

  @Override
  public void execute(Runnable task) {
    Context target;
    synchronized (this) {
      if (pending == 0) {
        bound = callersLoopOrHome();
      }
      pending++;
      target = bound;
    }
    target.runOnContext(
        v -> {
          try {
            task.run();
          } finally {
            synchronized (this) {
              pending--;
            }
          }
        });
  }

  /** The caller's event loop when it is one of the agent's Vert.x instance, else home. */
  private Context callersLoopOrHome() {
    Context current = Vertx.currentContext();
    if (current != null
        && current.owner() == home.owner()
        && current.isEventLoopContext()
        && Context.isOnEventLoopThread()) {
      return current;
    }
    return home;
  }
}
