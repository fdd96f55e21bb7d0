package dev.skiff.gateway;

import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.gateway.internal.DefaultGateway;
import dev.skiff.gateway.internal.GatewayConfig;
import dev.skiff.gateway.spi.ActivatorRouting;
import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.gateway.spi.EndpointSource;
import dev.skiff.gateway.spi.LocalActivator;
import dev.skiff.gateway.spi.LocalInstances;
import dev.skiff.proxy.Arguments;
import dev.skiff.proxy.ProxyBuilder;
import dev.skiff.proxy.ProxySettings;
import dev.skiff.proxy.UpstreamTls;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.Objects;

/**
 * Skiff's ingress. Serves HTTP/1.1 and h2c on one port, routes each request by its Host ({@code
 * {service}.{namespace}.{domain}} or {@code {tag}-{service}.{namespace}.{domain}}) to a revision
 * picked by the service's traffic weights, and streams it to a ready instance of that revision.
 *
 * <p>Routes come from the control plane's watch: feed every {@link ResourceEvent} to {@link
 * #onResourceEvent}. Instances come from the {@link EndpointSource}. With an activator configured
 * ({@link Builder#withActivator}), requests for revisions without a ready instance, or short of
 * burst capacity, go to the activator instead of waiting in the gateway.
 */
public interface Gateway {
  String DEFAULT_HOST = "127.0.0.1";
  int DEFAULT_PORT = 8080;

  /** The gateway's default cap on client connections open at once. */
  int DEFAULT_MAX_CONNECTIONS = 8192;

  /** The gateway's default cap on client connections open at once from one address. */
  int DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 512;

  static Builder builder() {
    return new Builder();
  }

  /**
   * Starts listening on {@code host:port}; port 0 picks a free port (see {@link #actualPort()}).
   */
  Future<Gateway> start(String host, int port);

  /** Starts listening on {@value #DEFAULT_HOST}:{@value #DEFAULT_PORT}. */
  default Future<Gateway> start() {
    return start(DEFAULT_HOST, DEFAULT_PORT);
  }

  /**
   * Starts the HTTPS listener on {@code host:port} (port 0 picks a free one): TLS 1.2 and 1.3,
   * HTTP/2 and HTTP/1.1 by ALPN, the certificate chosen per host name by SNI from the {@link
   * TlsCertificates} given to {@link Builder#withTls}. Fails when the gateway has none.
   */
  Future<Gateway> startTls(String host, int port);

  /** The port listened on once started; -1 before. */
  int actualPort();

  /** The HTTPS port listened on once started; -1 before, or without HTTPS. */
  int actualTlsPort();

  /**
   * Applies one change of the control plane's watch. Service PUTs and DELETEs replace the route
   * table atomically (a request sees the old table or the new one, never a mix); other kinds are
   * ignored. Callable from any thread; returns once new requests see the change.
   */
  void onResourceEvent(ResourceEvent event);

  /** Stops listening and closes connections to instances. */
  Future<Void> close();

  /** {@link Builder#withDeadPeerTimeout}'s default. */
  Duration DEFAULT_DEAD_PEER_TIMEOUT = Duration.ofSeconds(2);

  /**
   * Settings of a gateway; {@code withVertx} and {@code withEndpoints} are required. Unlike other
   * proxies, the gateway faces untrusted clients, so its connections are capped by default: {@value
   * #DEFAULT_MAX_CONNECTIONS} in all, {@value #DEFAULT_MAX_CONNECTIONS_PER_CLIENT} per client
   * address.
   */
  final class Builder extends ProxyBuilder<Builder> {
    private String domain = "localhost";
    private EndpointSource endpoints;
    private MeterRegistry registry;
    private Duration coldStartTimeout = Duration.ofSeconds(10);
    private Endpoint activator;
    private ActivatorRouting activatorRouting;
    private LocalActivator localActivator;
    private LocalInstances localInstances = LocalInstances.NONE;
    private UpstreamTls upstreamTls;
    private TlsCertificates tlsCertificates;
    private AcmeChallenges acmeChallenges;
    private int publicHttpsPort;
    private Duration deadPeerTimeout = DEFAULT_DEAD_PEER_TIMEOUT;

    private Builder() {
      withMaxConnections(DEFAULT_MAX_CONNECTIONS);
      withMaxConnectionsPerClient(DEFAULT_MAX_CONNECTIONS_PER_CLIENT);
    }

    @Override
    protected Builder self() {
      return this;
    }

    /** The domain under which services get host names; default {@code localhost}. */
    public Builder withDomain(String domain) {
      this.domain = Objects.requireNonNull(domain, "domain");
      return this;
    }

    public Builder withEndpoints(EndpointSource endpoints) {
      this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
      return this;
    }

    /** Where request metrics go; default a private {@link SimpleMeterRegistry}. */
    public Builder withMeterRegistry(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * How long a request waits for a revision without ready instances to get one before it is
     * answered 503; default 10 s. Never longer than the route's request timeout.
     */
    public Builder withColdStartTimeout(Duration timeout) {
      this.coldStartTimeout = Arguments.positive(timeout, "cold start timeout");
      return this;
    }

    /**
     * Hands requests to the activator at {@code activator} instead of waiting in the gateway: every
     * request whose revision has no ready instance, and every request {@code routing} sends there
     * (the revision is short of burst capacity). The others go straight to an instance. Each
     * request picks its path once, when it starts. Without an activator the gateway waits for
     * instances itself, up to the cold-start timeout.
     */
    public Builder withActivator(Endpoint activator, ActivatorRouting routing) {
      this.activator = Objects.requireNonNull(activator, "activator");
      this.activatorRouting = Objects.requireNonNull(routing, "routing");
      return this;
    }

    /**
     * The activator runs in this process: requests for it are handed to {@code local} in process
     * (no connection, no TLS, no HTTP/2 framing) instead of sent to the address given to {@link
     * #withActivator}, which stays the activator's public face for other callers. The gateway
     * decides the path, sets its headers, limits the duration and counts the request the same way
     * on both. Default none: every request for the activator goes over the network.
     */
    public Builder withLocalActivator(LocalActivator local) {
      this.localActivator = Objects.requireNonNull(local, "local");
      return this;
    }

    /**
     * Instances whose sidecar runs in this process: a request for one of them is handed to its
     * sidecar in process (no connection, no TLS, no HTTP/2 framing) instead of sent to its address;
     * the sidecar authorizes the gateway's identity, limits, times out and counts it as over mutual
     * TLS. An endpoint {@code local} does not know is called over the network. Default {@link
     * LocalInstances#NONE}: every request for an instance goes over the network.
     */
    public Builder withLocalInstances(LocalInstances local) {
      this.localInstances = Objects.requireNonNull(local, "local");
      return this;
    }

    /**
     * The gateway's own TLS credentials and trust, for endpoints (instances' sidecars, the
     * activator) that name an identity: those are called over mutual TLS, and a certificate naming
     * another identity fails the request with 502 before anything is sent. Connections are pooled
     * and kept alive per endpoint. Default none: an endpoint with an identity then gets 502.
     */
    public Builder withUpstreamTls(UpstreamTls tls) {
      this.upstreamTls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /**
     * Serves HTTPS ({@link Gateway#startTls}) with these certificates, chosen per host name; a
     * mapped domain with a certificate then answers plain HTTP with a 308 to HTTPS, unless the
     * mapping says otherwise. Default none: no HTTPS listener.
     */
    public Builder withTls(TlsCertificates certificates) {
      this.tlsCertificates = Objects.requireNonNull(certificates, "certificates");
      return this;
    }

    /**
     * Answers ACME HTTP-01 challenges on {@value AcmeChallenges#PATH}TOKEN, on both listeners,
     * before any redirect. Default none.
     */
    public Builder withAcmeChallenges(AcmeChallenges challenges) {
      this.acmeChallenges = Objects.requireNonNull(challenges, "challenges");
      return this;
    }

    /**
     * The HTTPS port clients reach (a port forward or a load balancer may stand in front), named in
     * redirects to HTTPS; default the HTTPS listener's own port. 443 is left out of URLs.
     */
    public Builder withPublicHttpsPort(int port) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("public HTTPS port must be 1-65535, got " + port);
      }
      this.publicHttpsPort = port;
      return this;
    }

    /**
     * How soon the gateway gives up on an upstream peer that went silent (its machine gone, its
     * link cut: no reset ever comes): a TCP connect not answered within it fails (the request was
     * sent nowhere, so it goes to another instance; a TLS handshake keeps {@link
     * #withConnectTimeout}), data unacknowledged for this long ends the connection
     * (TCP_USER_TIMEOUT), and an idle pooled connection is probed by TCP keep-alive every second
     * after a second's silence. A request in flight on a connection so ended fails as "no response"
     * and, if it may be sent again, goes to another instance. Default 2 s; needs the native (epoll)
     * transport, without which only the kernel's own retransmission timeouts apply.
     */
    public Builder withDeadPeerTimeout(Duration timeout) {
      this.deadPeerTimeout = Arguments.positive(timeout, "dead peer timeout");
      return this;
    }

    /**
     * Builds the gateway. The request timeout ({@link #withRequestTimeout}) applies unless the
     * service's {@code spec.template.timeoutSeconds} says otherwise; past it a request gets 504.
     */
    public Gateway build() {
      ProxySettings proxy = proxySettings();
      if (endpoints == null) {
        throw new IllegalStateException("withEndpoints(..) is required");
      }
      if (localActivator != null && activator == null) {
        throw new IllegalStateException(
            "withLocalActivator(..) needs withActivator(..): name the activator's address and the"
                + " routing too");
      }
      return new DefaultGateway(
          new GatewayConfig(
              proxy,
              GatewayConfig.normalizeDomain(domain),
              endpoints,
              registry == null ? new SimpleMeterRegistry() : registry,
              coldStartTimeout,
              activator,
              activatorRouting,
              localActivator,
              localInstances,
              upstreamTls,
              tlsCertificates,
              acmeChallenges,
              publicHttpsPort,
              deadPeerTimeout));
    }
  }
}
