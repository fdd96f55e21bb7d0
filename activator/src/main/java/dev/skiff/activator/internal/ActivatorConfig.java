package dev.skiff.activator.internal;

import dev.skiff.activator.spi.EndpointWatch;
import dev.skiff.activator.spi.LocalEndpoints;
import dev.skiff.activator.spi.Poker;
import dev.skiff.activator.spi.StatsSink;
import dev.skiff.activator.spi.Ticker;
import dev.skiff.proxy.ListenerTls;
import dev.skiff.proxy.ProxySettings;
import dev.skiff.proxy.UpstreamTls;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Set;

/**
 * The settings of one activator, as the builder collected them; {@code ticker}, {@code upstreamTls}
 * and {@code listenerTls} may be null ({@code allowedCallers} is empty then).
 */
public record ActivatorConfig(
    ProxySettings proxy,
    EndpointWatch endpoints,
    Poker poker,
    StatsSink stats,
    MeterRegistry registry,
    Ticker ticker,
    int queueDepth,
    Duration idleRevisionExpiry,
    UpstreamTls upstreamTls,
    ListenerTls listenerTls,
    Set<String> allowedCallers,
    LocalEndpoints localEndpoints) {}
