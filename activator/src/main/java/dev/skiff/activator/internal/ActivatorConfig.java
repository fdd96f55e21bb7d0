package dev.skiff.activator.internal;

import dev.skiff.activator.spi.EndpointWatch;
import dev.skiff.activator.spi.Poker;
import dev.skiff.activator.spi.StatsSink;
import dev.skiff.activator.spi.Ticker;
import dev.skiff.proxy.ProxySettings;
import io.micrometer.core.instrument.MeterRegistry;
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
    Duration idleRevisionExpiry) {}
