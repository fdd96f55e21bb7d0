package dev.skiff.proxy;

import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;

/**
 * The settings every proxy component has, as its {@link ProxyBuilder} collected them.
 *
 * @param vertx the Vert.x the component runs on
 * @param clock what request latencies and reports are measured with
 * @param requestTimeout a request's timeout when nothing more specific applies
 * @param retryAfter the {@code Retry-After} sent with 503
 * @param connectTimeout how long to wait for a connection to an upstream
 * @param serverInstances how many event loops serve requests, one HTTP server each
 * @param maxConnectionsPerEndpoint the keep-alive pool size per upstream endpoint and event loop
 * @param headerTimeout how long a new connection may take to send its first request head
 * @param idleTimeout how long a connection may stay open with no request in flight
 * @param bodyReadTimeout how long a request body may stall while the proxy wants to read it
 * @param maxConnections the most client connections open at once
 * @param maxConnectionsPerClient the most client connections open at once from one address
 * @param trustedProxies the peers whose forwarding headers are believed
 * @param drainTimeout how long a stopping proxy lets its requests in flight finish
 */
public record ProxySettings(
    Vertx vertx,
    Clock clock,
    Duration requestTimeout,
    Duration retryAfter,
    Duration connectTimeout,
    int serverInstances,
    int maxConnectionsPerEndpoint,
    Duration headerTimeout,
    Duration idleTimeout,
    Duration bodyReadTimeout,
    int maxConnections,
    int maxConnectionsPerClient,
    TrustedProxies trustedProxies,
    Duration drainTimeout) {

  /** Settings on their own, for a {@link ProxyServer} without a component around it (tests). */
  public static Builder builder() {
    return new Builder();
  }

  /** The shared settings and nothing else. */
  public static final class Builder extends ProxyBuilder<Builder> {
    private Builder() {}

    @Override
    protected Builder self() {
      return this;
    }

    public ProxySettings build() {
      return proxySettings();
    }
  }
}
