package dev.skiff.meshproxy.internal;

import dev.skiff.proxy.Stage;
import io.vertx.core.Future;

/** Holds the request until the {@link ConcurrencyLimit} grants a slot, and frees it after. */
final class Limit implements Stage<SidecarExchange> {
  private final ConcurrencyLimit limit;
  private final Stage<SidecarExchange> next;

  Limit(ConcurrencyLimit limit, Stage<SidecarExchange> next) {
    this.limit = limit;
    this.next = next;
  }

  @Override
  public Future<Void> serve(SidecarExchange x) {
    return limit
        .acquire(x.context(), x.cancellation())
        .compose(slot -> Stage.call(next, x).andThen(ar -> limit.release()));
  }
}
