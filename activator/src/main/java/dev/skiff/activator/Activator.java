package dev.skiff.activator;

import dev.skiff.activator.internal.ActivatorConfig;
import dev.skiff.activator.internal.DefaultActivator;
import dev.skiff.activator.spi.EndpointWatch;
import dev.skiff.activator.spi.Poker;
import dev.skiff.activator.spi.StatsSink;
import dev.skiff.activator.spi.Ticker;
import dev.skiff.proxy.Arguments;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Skiff's activator (Knative's activator). The gateway sends it the requests of revisions at zero
 * or short of burst capacity, naming the revision in {@value #REVISION_NAMESPACE_HEADER} and
 * {@value #REVISION_NAME_HEADER}. It holds each request in the revision's bounded queue, pokes the
 * autoscaler when a revision has no ready endpoint, and forwards requests as instance capacity
 * frees up (containerConcurrency slots per instance, or power of two choices when unlimited). Every
 * second it reports each revision's concurrency to the {@link StatsSink}.
 */
public interface Activator {
  /** The namespace of the revision a request is for. The gateway sends the same string. */
  String REVISION_NAMESPACE_HEADER = "Skiff-Revision-Namespace";

  /** The name of the revision a request is for. The gateway sends the same string. */
  String REVISION_NAME_HEADER = "Skiff-Revision-Name";

  /**
   * Optional: the request's timeout in milliseconds, counted from its arrival at the activator (the
   * gateway sends the route's {@code timeoutSeconds}). Without it, {@link
   * Builder#withRequestTimeout} applies.
   */
  String REQUEST_TIMEOUT_HEADER = "Skiff-Request-Timeout-Ms";

  /**
   * Sent to instances on every forwarded request, value {@value #PROXIED_BY_VALUE}, so a sidecar
   * can count the request as proxied in its {@code Stat} (Knative's {@code K-Proxy-Request}).
   */
  String PROXIED_BY_HEADER = "Skiff-Proxied-By";

  String PROXIED_BY_VALUE = "activator";

  String DEFAULT_HOST = "127.0.0.1";
  int DEFAULT_PORT = 8081;

  static Builder builder() {
    return new Builder();
  }

  /**
   * Starts listening on {@code host:port}; port 0 picks a free port (see {@link #actualPort()}).
   */
  Future<Activator> start(String host, int port);

  /** Starts listening on {@value #DEFAULT_HOST}:{@value #DEFAULT_PORT}. */
  default Future<Activator> start() {
    return start(DEFAULT_HOST, DEFAULT_PORT);
  }

  /** The port listened on once started; -1 before. */
  int actualPort();

  /** Stops listening, reporting and watching; connections to instances are closed. */
  Future<Void> close();

  /**
   * Settings of an activator; {@code withVertx}, {@code withEndpointWatch}, {@code withPoker} and
   * {@code withStatsSink} are required.
   */
  final class Builder {
    private Vertx vertx;
    private EndpointWatch endpoints;
    private Poker poker;
    private StatsSink stats;
    private MeterRegistry registry;
    private Clock clock = Clock.systemUTC();
    private Ticker ticker;
    private int queueDepth = 10_000;
    private Duration requestTimeout = Duration.ofSeconds(300);
    private Duration retryAfter = Duration.ofSeconds(1);
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration idleRevisionExpiry = Duration.ofMinutes(10);
    private int serverInstances = Math.max(1, Runtime.getRuntime().availableProcessors());
    private int maxConnectionsPerEndpoint = 1000;

    private Builder() {}

    public Builder withVertx(Vertx vertx) {
      this.vertx = Objects.requireNonNull(vertx, "vertx");
      return this;
    }

    /** Where each revision's ready endpoints and container concurrency come from. */
    public Builder withEndpointWatch(EndpointWatch endpoints) {
      this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
      return this;
    }

    /** Who hears that a revision without ready endpoints got a request (the autoscaler). */
    public Builder withPoker(Poker poker) {
      this.poker = Objects.requireNonNull(poker, "poker");
      return this;
    }

    /** Who gets the per-second concurrency reports (the autoscaler). */
    public Builder withStatsSink(StatsSink stats) {
      this.stats = Objects.requireNonNull(stats, "stats");
      return this;
    }

    /** Where the activator's metrics go; default a private {@link SimpleMeterRegistry}. */
    public Builder withMeterRegistry(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /** The clock that stamps reports and measures uptime; default the system clock. */
    public Builder withClock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * What drives sampling (every 100 ms) and reporting (every 10th sample); default Vert.x timers.
     */
    public Builder withTicker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * How many requests one revision's queue holds before answering 503; default 10,000
     * (Knative's).
     */
    public Builder withQueueDepth(int depth) {
      this.queueDepth = Arguments.atLeastOne(depth, "queue depth");
      return this;
    }

    /**
     * A request's timeout, from its arrival, when the gateway sent no {@value
     * #REQUEST_TIMEOUT_HEADER}; default 300 s. Passed while queued: 503; after forwarding: 504.
     */
    public Builder withRequestTimeout(Duration timeout) {
      this.requestTimeout = Arguments.positive(timeout, "request timeout");
      return this;
    }

    /** The {@code Retry-After} sent with 503; default 1 s. */
    public Builder withRetryAfter(Duration retryAfter) {
      this.retryAfter = Arguments.positive(retryAfter, "retry after");
      return this;
    }

    /** How long to wait for a connection to an instance; default 5 s. */
    public Builder withConnectTimeout(Duration timeout) {
      this.connectTimeout = Arguments.positive(timeout, "connect timeout");
      return this;
    }

    /**
     * How long a revision may go without requests before the activator forgets it (stops watching
     * its endpoints, drops its gauge); default 10 min. It is set up again by its next request.
     */
    public Builder withIdleRevisionExpiry(Duration expiry) {
      this.idleRevisionExpiry = Arguments.positive(expiry, "idle revision expiry");
      return this;
    }

    /** How many event loops serve requests, one HTTP server each; default the number of cores. */
    public Builder withServerInstances(int instances) {
      this.serverInstances = Arguments.atLeastOne(instances, "server instances");
      return this;
    }

    /** The keep-alive pool size per instance and event loop; default 1000. */
    public Builder withMaxConnectionsPerEndpoint(int max) {
      this.maxConnectionsPerEndpoint = Arguments.atLeastOne(max, "max connections");
      return this;
    }

    public Activator build() {
      require(vertx, "withVertx(..)");
      require(endpoints, "withEndpointWatch(..)");
      require(poker, "withPoker(..)");
      require(stats, "withStatsSink(..)");
      return new DefaultActivator(
          new ActivatorConfig(
              vertx,
              endpoints,
              poker,
              stats,
              registry == null ? new SimpleMeterRegistry() : registry,
              clock,
              ticker,
              queueDepth,
              requestTimeout,
              retryAfter,
              connectTimeout,
              idleRevisionExpiry,
              serverInstances,
              maxConnectionsPerEndpoint));
    }

    private static void require(Object value, String what) {
      if (value == null) {
        throw new IllegalStateException(what + " is required");
      }
    }
  }
}
