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
  /**
   * The number of cores, read once per process: in a container the JDK reads the cgroup's CPU files
   * again whenever its last answer is more than 20 ms old (about 0.1 ms each time), and a builder
   * is made for every sidecar, so for every cold start, which need not pay it.
   */
  private static final int CORES = Math.max(1, Runtime.getRuntime().availableProcessors());

  private Vertx vertx;
  private Clock clock = Clock.systemUTC();
  private Duration requestTimeout = Duration.ofSeconds(300);
  private Duration retryAfter = Duration.ofSeconds(1);
  private Duration connectTimeout = Duration.ofSeconds(5);
  private int serverInstances = CORES;
  private int maxConnectionsPerEndpoint = 1000;
  private Duration headerTimeout = Duration.ofSeconds(60);
  private Duration idleTimeout = Duration.ofSeconds(75);
  private Duration bodyReadTimeout = Duration.ofSeconds(60);
  private int maxConnections = Integer.MAX_VALUE;
  private int maxConnectionsPerClient = Integer.MAX_VALUE;
  private TrustedProxies trustedProxies = TrustedProxies.NONE;
  private Duration drainTimeout = Duration.ofSeconds(30);

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

  /**
   * How many event loops serve requests, one HTTP server each; default the number of cores when the
   * process started.
   */
  public B withServerInstances(int instances) {
    this.serverInstances = Arguments.atLeastOne(instances, "server instances");
    return self();
  }

  /**
   * The keep-alive pool size per upstream endpoint and event loop; default 1000. A proxy that keeps
   * connections of its own ({@link EndpointProxy#withOwnConnections}, the gateway) holds up to this
   * many of those too before its requests use the pool.
   */
  public B withMaxConnectionsPerEndpoint(int max) {
    this.maxConnectionsPerEndpoint = Arguments.atLeastOne(max, "max connections");
    return self();
  }

  /**
   * How long a new connection may take to send its whole first request head before it is closed
   * (nginx's {@code client_header_timeout}); default 60 s.
   */
  public B withHeaderTimeout(Duration timeout) {
    this.headerTimeout = Arguments.positive(timeout, "header timeout");
    return self();
  }

  /**
   * How long a connection may stay open with no request in flight, which includes sending the next
   * request head (nginx's {@code keepalive_timeout}); default 75 s.
   */
  public B withIdleTimeout(Duration timeout) {
    this.idleTimeout = Arguments.positive(timeout, "idle timeout");
    return self();
  }

  /**
   * How long a request body may stall while the proxy wants to read it before the request gets 408
   * and its connection closes (nginx's {@code client_body_timeout}); default 60 s. Time the proxy
   * holds the body back (queued, upstream slow to take it) does not count.
   */
  public B withBodyReadTimeout(Duration timeout) {
    this.bodyReadTimeout = Arguments.positive(timeout, "body read timeout");
    return self();
  }

  /** The most client connections open at once; more are closed when accepted. Default no cap. */
  public B withMaxConnections(int max) {
    this.maxConnections = Arguments.atLeastOne(max, "max connections");
    return self();
  }

  /**
   * The most client connections open at once from one address (trusted proxies excepted); more are
   * closed when accepted. Default no cap.
   */
  public B withMaxConnectionsPerClient(int max) {
    this.maxConnectionsPerClient = Arguments.atLeastOne(max, "max connections per client");
    return self();
  }

  /**
   * The peers whose {@code X-Forwarded-For}, {@code Forwarded} and {@code X-Forwarded-Proto} are
   * believed; default none.
   */
  public B withTrustedProxies(TrustedProxies proxies) {
    this.trustedProxies = Objects.requireNonNull(proxies, "proxies");
    return self();
  }

  /**
   * How long a stopping proxy keeps serving the requests in flight before it closes their
   * connections; new connections are refused at once, idle ones closed. Default 30 s (skiffd's
   * {@code --drain}).
   */
  public B withDrainTimeout(Duration timeout) {
    this.drainTimeout = Arguments.notNegative(timeout, "drain timeout");
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
        maxConnectionsPerEndpoint,
        headerTimeout,
        idleTimeout,
        bodyReadTimeout,
        maxConnections,
        maxConnectionsPerClient,
        trustedProxies,
        drainTimeout);
  }
}
