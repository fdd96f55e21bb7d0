package dev.skiff.node.internal;

import dev.skiff.node.spi.Ticker;
import io.vertx.core.Vertx;
import java.time.Duration;

/** The agent's {@link Ticker} on Vert.x timers (at least 1 ms, which Vert.x requires). */
public final class VertxTicker implements Ticker {
  private final Vertx vertx;

  public VertxTicker(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public Cancellable every(Duration interval, Runnable tick) {
    long id = vertx.setPeriodic(Math.max(1, interval.toMillis()), t -> tick.run());
    return () -> vertx.cancelTimer(id);
  }

  @Override
  public Cancellable after(Duration delay, Runnable action) {
    long id = vertx.setTimer(Math.max(1, delay.toMillis()), t -> action.run());
    return () -> vertx.cancelTimer(id);
  }
}
