package dev.skiff.activator;

import dev.skiff.activator.internal.ActivatorConfig;
import dev.skiff.activator.internal.DefaultActivator;
import dev.skiff.activator.spi.EndpointWatch;
import dev.skiff.activator.spi.LocalEndpoints;
import dev.skiff.activator.spi.Poker;
import dev.skiff.activator.spi.StatsSink;
import dev.skiff.activator.spi.Ticker;
import dev.skiff.proxy.Arguments;
import dev.skiff.proxy.ListenerTls;
import dev.skiff.proxy.ProxyBuilder;
import dev.skiff.proxy.ProxySettings;
import dev.skiff.proxy.SkiffHeaders;
import dev.skiff.proxy.UpstreamTls;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Skiff's activator (Knative's activator). The gateway sends it the requests of revisions at zero
 * or short of burst capacity, naming the revision in {@value #REVISION_NAMESPACE_HEADER} and
 * {@value #REVISION_NAME_HEADER}. It holds each request in the revision's bounded queue, pokes the
 * autoscaler when a revision has no ready endpoint, and forwards requests as instance capacity
 * frees up (containerConcurrency slots per instance, or power of two choices when unlimited). Every
 * second it reports each revision's concurrency to the {@link StatsSink}.
 */
public interface Activator {
  /** The namespace of the revision a request is for ({@link SkiffHeaders#REVISION_NAMESPACE}). */
  String REVISION_NAMESPACE_HEADER = SkiffHeaders.REVISION_NAMESPACE;

  /** The name of the revision a request is for ({@link SkiffHeaders#REVISION_NAME}). */
  String REVISION_NAME_HEADER = SkiffHeaders.REVISION_NAME;

  /**
   * Optional: the request's timeout in milliseconds, counted from its arrival at the activator (the
   * gateway sends the route's {@code timeoutSeconds}). Without it, {@link
   * Builder#withRequestTimeout} applies.
   */
  String REQUEST_TIMEOUT_HEADER = SkiffHeaders.REQUEST_TIMEOUT_MS;

  /**
   * Sent to instances on every forwarded request, value {@value #PROXIED_BY_VALUE}, so a sidecar
   * can count the request as proxied in its {@code Stat} (Knative's {@code K-Proxy-Request}).
   */
  String PROXIED_BY_HEADER = SkiffHeaders.PROXIED_BY;

  String PROXIED_BY_VALUE = SkiffHeaders.PROXIED_BY_ACTIVATOR;

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

  /**
   * Serves {@code request} in process as if it had come over the listener from a caller whose
   * certificate names {@code caller} (null: none): with a mutual-TLS listener the same caller check
   * applies (403 for a caller not allowed), then the same queue bounds, timeouts, metrics and
   * forwarding. The request's body must be paused and its headers be those a caller sends (the
   * revision headers above, the forwarding headers); the answer goes to the request's own response.
   * Failing {@code cancellation} abandons the request as a caller resetting it would (counted as
   * the client gone, never answered). Completes when the exchange is over; fails only when the
   * activator cannot take the request (not started, or closed). Call on the request's event loop,
   * once the activator has started.
   */
  Future<Void> serveInProcess(HttpServerRequest request, String caller, Future<Void> cancellation);

  /** Stops listening, reporting and watching; connections to instances are closed. */
  Future<Void> close();

  /**
   * Settings of an activator; {@code withVertx}, {@code withEndpointWatch}, {@code withPoker} and
   * {@code withStatsSink} are required. The request timeout ({@link #withRequestTimeout}) applies,
   * from a request's arrival, when the gateway sent no {@value #REQUEST_TIMEOUT_HEADER}; passed
   * while queued it is a 503, after forwarding a 504.
   */
  final class Builder extends ProxyBuilder<Builder> {
    private EndpointWatch endpoints;
    private Poker poker;
    private StatsSink stats;
    private MeterRegistry registry;
    private Ticker ticker;
    private int queueDepth = 10_000;
    private Duration idleRevisionExpiry = Duration.ofMinutes(10);
    private UpstreamTls upstreamTls;
    private ListenerTls listenerTls;
    private Set<String> allowedCallers = Set.of();
    private LocalEndpoints localEndpoints = LocalEndpoints.NONE;

    private Builder() {}

    @Override
    protected Builder self() {
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
     * How long a revision may go without requests before the activator forgets it (stops watching
     * its endpoints, drops its gauge); default 10 min. It is set up again by its next request.
     */
    public Builder withIdleRevisionExpiry(Duration expiry) {
      this.idleRevisionExpiry = Arguments.positive(expiry, "idle revision expiry");
      return this;
    }

    /**
     * The activator's own TLS credentials and trust, for instances whose endpoint names an
     * identity: those are called over mutual TLS, and a certificate naming another identity fails
     * the request with 502 before anything is sent. Default none: an endpoint with an identity then
     * gets 502.
     */
    public Builder withUpstreamTls(UpstreamTls tls) {
      this.upstreamTls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /**
     * Listens with mutual TLS instead of plaintext: a caller without a certificate the listener
     * accepts is refused at the handshake (plaintext gets no HTTP answer), and one whose
     * certificate names an identity outside {@code allowedCallers} (the gateway's and eventing's,
     * say) gets 403.
     */
    public Builder withMutualTls(ListenerTls tls, Set<String> allowedCallers) {
      this.listenerTls = Objects.requireNonNull(tls, "tls");
      if (allowedCallers == null || allowedCallers.isEmpty()) {
        throw new IllegalArgumentException(
            "name the identities allowed to call the activator, e.g. the gateway's");
      }
      this.allowedCallers = Set.copyOf(allowedCallers);
      return this;
    }

    /**
     * The instances this process serves itself: their requests are handed to the instance's sidecar
     * in process (no socket, so no connection nor TLS handshake on a cold start) instead of to its
     * address. Default none.
     */
    public Builder withLocalEndpoints(LocalEndpoints local) {
      this.localEndpoints = Objects.requireNonNull(local, "local");
      return this;
    }

    public Activator build() {
      ProxySettings proxy = proxySettings();
      require(endpoints, "withEndpointWatch(..)");
      require(poker, "withPoker(..)");
      require(stats, "withStatsSink(..)");
      return new DefaultActivator(
          new ActivatorConfig(
              proxy,
              endpoints,
              poker,
              stats,
              registry == null ? new SimpleMeterRegistry() : registry,
              ticker,
              queueDepth,
              idleRevisionExpiry,
              upstreamTls,
              listenerTls,
              allowedCallers,
              localEndpoints));
    }

    private static void require(Object value, String what) {
      if (value == null) {
        throw new IllegalStateException(what + " is required");
      }
    }
  }
}
