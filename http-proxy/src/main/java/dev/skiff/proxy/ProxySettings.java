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
 */
public record ProxySettings(
    Vertx vertx,
    Clock clock,
    Duration requestTimeout,
    Duration retryAfter,
    Duration connectTimeout,
    int serverInstances,
    int maxConnectionsPerEndpoint) {

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
