package dev.skiff.meshproxy.internal;

import dev.skiff.meshproxy.RequestListener;
import dev.skiff.proxy.Stage;
import io.vertx.core.Future;

/**
 * Counts the request in the instance's stats, and tells the listener, from here until its exchange
 * ends.
 */
final class Track implements Stage<SidecarExchange> {
  private final RequestCounter counter;
  private final RequestListener listener;
  private final Stage<SidecarExchange> next;

  Track(RequestCounter counter, RequestListener listener, Stage<SidecarExchange> next) {
    this.counter = counter;
    this.listener = listener;
    this.next = next;
  }

  @Override
  public Future<Void> serve(SidecarExchange x) {
    boolean proxied = x.proxied();
    counter.enter(proxied);
    listener.entered(proxied);
    return Stage.call(next, x)
        .andThen(
            ar -> {
              counter.leave(proxied);
              listener.left(proxied);
            });
  }
}
