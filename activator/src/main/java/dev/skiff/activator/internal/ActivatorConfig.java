package dev.skiff.activator.internal;

import dev.skiff.activator.spi.EndpointWatch;
import dev.skiff.activator.spi.Poker;
import dev.skiff.activator.spi.StatsSink;
import dev.skiff.activator.spi.Ticker;
import dev.skiff.proxy.ProxySettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;

/** The settings of one activator, as the builder collected them; {@code ticker} may be null. */
public record ActivatorConfig(
    ProxySettings proxy,
    EndpointWatch endpoints,
    Poker poker,
    StatsSink stats,
    MeterRegistry registry,
    Ticker ticker,
    int queueDepth,
    Duration idleRevisionExpiry) {

  public Vertx vertx() {
    return proxy.vertx();
  }

  public Clock clock() {
    return proxy.clock();
  }

  public Duration requestTimeout() {
    return proxy.requestTimeout();
  }

  public Duration retryAfter() {
    return proxy.retryAfter();
  }

  public Duration connectTimeout() {
    return proxy.connectTimeout();
  }
}
