package dev.skiff.activator.internal;

import io.vertx.core.Future;

/**
 * One step of the request pipeline. A stage does its one thing and calls the next; the returned
 * future completes when the exchange is over (response sent or abandoned) and fails with an {@link
 * dev.skiff.activator.ActivatorException} naming what went wrong. Stages run on the request's event
 * loop and never block.
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
