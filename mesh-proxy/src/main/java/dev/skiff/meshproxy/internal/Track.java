package dev.skiff.meshproxy.internal;

import dev.skiff.proxy.Stage;
import io.vertx.core.Future;

/** Counts the request in the instance's stats from here until its exchange ends. */
final class Track implements Stage<SidecarExchange> {
  private final RequestCounter counter;
  private final Stage<SidecarExchange> next;

  Track(RequestCounter counter, Stage<SidecarExchange> next) {
    this.counter = counter;
    this.next = next;
  }

  @Override
  public Future<Void> serve(SidecarExchange x) {
    boolean proxied = x.proxied();
    counter.enter(proxied);
    return Stage.call(next, x).andThen(ar -> counter.leave(proxied));
  }
}
