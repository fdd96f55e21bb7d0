package dev.skiff.controlplane.internal.store;

import dev.skiff.controlplane.spi.StoreEvent;
import dev.skiff.controlplane.spi.Watch;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * One registered watch. Events are handed to a serial executor (the caller's context or the store's
 * event thread) in revision order; {@code started} is completed through the same executor first, so
 * its callbacks run before the first event.
 */
final class Watcher implements Watch {
  private static final System.Logger LOG = System.getLogger(Watcher.class.getName());

  private final String prefix;
  private final long fromRevision;
  private final Handler<StoreEvent> handler;
  private final Executor executor;
  private final Promise<Void> started = Promise.promise();
  private final Promise<Void> ended = Promise.promise();
  private volatile Runnable onCancel = () -> {};
  private volatile boolean cancelled;

  Watcher(String prefix, long fromRevision, Handler<StoreEvent> handler, Executor executor) {
    this.prefix = prefix;
    this.fromRevision = fromRevision;
    this.handler = handler;
    this.executor = executor;
  }

  /** Called with the store lock held: reports the start, then queues the replay. */
  void start(List<StoreEvent> replay, Runnable unregister) {
    this.onCancel = unregister;
    executor.execute(started::tryComplete);
    replay.forEach(this::offer);
  }

  void reject(Throwable cause) {
    cancelled = true;
    executor.execute(
        () -> {
          started.tryFail(cause);
          ended.tryFail(cause);
        });
  }

  /**
   * Queues {@code e} if this watch wants it. Called with the store lock held, in revision order.
   */
  void offer(StoreEvent e) {
    if (e.revision() > fromRevision && e.entry().key().startsWith(prefix)) {
      executor.execute(() -> deliver(e));
    }
  }

  private void deliver(StoreEvent e) {
    if (cancelled) {
      return;
    }
    try {
      handler.handle(e);
    } catch (RuntimeException ex) {
      LOG.log(System.Logger.Level.WARNING, "watch handler failed on " + e.entry().key(), ex);
    }
  }

  /** The store closed: ends the watch after the events already queued. */
  void end() {
    executor.execute(
        () -> {
          cancelled = true;
          ended.tryComplete();
        });
  }

  @Override
  public Future<Void> started() {
    return started.future();
  }

  @Override
  public Future<Void> ended() {
    return ended.future();
  }

  @Override
  public void cancel() {
    if (!cancelled) {
      cancelled = true;
      onCancel.run();
      executor.execute(ended::tryComplete);
    }
  }
}
