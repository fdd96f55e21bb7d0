package dev.skiff.gateway.internal;

import io.vertx.core.Future;

/**
 * One step of the request pipeline. A stage does its one thing and calls the next stage; the
 * returned future completes when the exchange is over (response sent or abandoned) and fails with a
 * {@link dev.skiff.gateway.GatewayException} describing what went wrong. Stages run on the
 * request's event loop and never block.
 */
@FunctionalInterface
interface Stage {
  Future<Void> serve(Exchange exchange);

  /** Calls {@code stage}, turning an exception it throws into a failed future. */
  static Future<Void> call(Stage stage, Exchange exchange) {
    try {
      return stage.serve(exchange);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
