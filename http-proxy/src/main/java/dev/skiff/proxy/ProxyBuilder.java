package dev.skiff.proxy;

import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings every proxy component's builder has, written once; a component's builder extends it
 * and adds its own. {@code withVertx} is required.
 *
 * @param <B> the component's builder, returned by every setter
 */
public abstract class ProxyBuilder<B extends ProxyBuilder<B>> {
  private Vertx vertx;
  private Clock clock = Clock.systemUTC();
  private Duration requestTimeout = Duration.ofSeconds(300);
  private Duration retryAfter = Duration.ofSeconds(1);
  private Duration connectTimeout = Duration.ofSeconds(5);
  private int serverInstances = Math.max(1, Runtime.getRuntime().availableProcessors());
  private int maxConnectionsPerEndpoint = 1000;

  protected ProxyBuilder() {}

  /** This builder, as its own type. */
  protected abstract B self();

  public B withVertx(Vertx vertx) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    return self();
  }

  /** The clock latencies are measured and reports stamped with; default the system clock. */
  public B withClock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return self();
  }

  /**
   * How long a request may take when nothing more specific says (the component's documentation
   * tells what does); default 300 s (Knative's).
   */
  public B withRequestTimeout(Duration timeout) {
    this.requestTimeout = Arguments.positive(timeout, "request timeout");
    return self();
  }

  /** The {@code Retry-After} sent with 503; default 1 s. */
  public B withRetryAfter(Duration retryAfter) {
    this.retryAfter = Arguments.positive(retryAfter, "retry after");
    return self();
  }

  /** How long to wait for a connection to an upstream; default 5 s. */
  public B withConnectTimeout(Duration timeout) {
    this.connectTimeout = Arguments.positive(timeout, "connect timeout");
    return self();
  }

  /** How many event loops serve requests, one HTTP server each; default the number of cores. */
  public B withServerInstances(int instances) {
    this.serverInstances = Arguments.atLeastOne(instances, "server instances");
    return self();
  }

  /** The keep-alive pool size per upstream endpoint and event loop; default 1000. */
  public B withMaxConnectionsPerEndpoint(int max) {
    this.maxConnectionsPerEndpoint = Arguments.atLeastOne(max, "max connections");
    return self();
  }

  /** The shared settings; fails when {@code withVertx} was not called. */
  protected ProxySettings proxySettings() {
    if (vertx == null) {
      throw new IllegalStateException("withVertx(..) is required");
    }
    return new ProxySettings(
        vertx,
        clock,
        requestTimeout,
        retryAfter,
        connectTimeout,
        serverInstances,
        maxConnectionsPerEndpoint);
  }
}
