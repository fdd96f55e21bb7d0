package dev.skiff.activator.internal;

import dev.skiff.activator.spi.Ticker;
import io.vertx.core.Vertx;
import java.time.Duration;

/** Ticks with a Vert.x periodic timer: on one event loop, never two ticks at once. */
final class VertxTicker implements Ticker {
  private final Vertx vertx;

  VertxTicker(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public Cancellable every(Duration interval, Runnable tick) {
    long id = vertx.setPeriodic(Math.max(1, interval.toMillis()), timer -> tick.run());
    return () -> vertx.cancelTimer(id);
  }
}
