package dev.skiff.controlplane.spi;

import io.vertx.core.Future;

/**
 * A running watch returned by {@link Store#watch}. Its futures complete on the thread that runs the
 * watch's handler, {@code started()} before the first event; {@link #cancel()} may be called from
 * any thread, including from inside the handler.
 */
public interface Watch {

  /**
   * Completes once the watch is registered and its replay is queued for delivery; fails with a
   * {@link dev.skiff.controlplane.CompactedException} when the history no longer reaches back to
   * the requested revision, in which case no event is delivered.
   */
  Future<Void> started();

  /**
   * Completes when the watch stops delivering: after {@link #cancel()} or when the store closes.
   * Fails when the watch breaks for another reason (for example a lost etcd connection); the
   * consumer then watches again from the last revision it saw.
   */
  Future<Void> ended();

  /** Stops delivery; events already handed to the handler's thread may still arrive. Idempotent. */
  void cancel();
}
