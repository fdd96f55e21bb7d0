package dev.skiff.activator.internal;

import dev.skiff.activator.spi.EndpointWatch;
import dev.skiff.activator.spi.Poker;
import dev.skiff.activator.spi.StatsSink;
import dev.skiff.activator.spi.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;

/** The settings of one activator, as the builder collected them; {@code ticker} may be null. */
public record ActivatorConfig(
    Vertx vertx,
    EndpointWatch endpoints,
    Poker poker,
    StatsSink stats,
    MeterRegistry registry,
    Clock clock,
    Ticker ticker,
    int queueDepth,
    Duration requestTimeout,
    Duration retryAfter,
    Duration connectTimeout,
    Duration idleRevisionExpiry,
    int serverInstances,
    int maxConnectionsPerEndpoint) {}
