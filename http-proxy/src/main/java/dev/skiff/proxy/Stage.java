package dev.skiff.proxy;

import io.vertx.core.Future;

/**
 * One step of a proxy component's request pipeline. A stage does its one thing and calls the next;
 * the returned future completes when the exchange is over (response sent or abandoned) and fails
 * with the component's exception naming what went wrong. Stages run on the request's event loop and
 * never block.
 *
 * @param <X> the component's exchange
 */
@FunctionalInterface
public interface Stage<X extends ProxyExchange> {
  Future<Void> serve(X exchange);

  /** Calls {@code stage}, turning an exception it throws into a failed future. */
  static <X extends ProxyExchange> Future<Void> call(Stage<X> stage, X exchange) {
    try {
      return stage.serve(exchange);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
