package dev.skiff.autoscaler.internal;

import dev.skiff.autoscaler.spi.Ticker;
import io.vertx.core.Vertx;
import java.time.Duration;

/** Ticks with a Vert.x periodic timer, so ticks run on a Vert.x event loop. */
public final class VertxTicker implements Ticker {
  private final Vertx vertx;

  public VertxTicker(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public Cancellable every(Duration interval, Runnable tick) {
    long id = vertx.setPeriodic(Math.max(1, interval.toMillis()), timer -> tick.run());
    return () -> vertx.cancelTimer(id);
  }
}
