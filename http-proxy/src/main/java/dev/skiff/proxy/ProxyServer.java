package dev.skiff.proxy;

import dev.skiff.proxy.internal.ProxyVerticle;
import io.netty.handler.ssl.OpenSsl;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The serving side of a proxy component: one HTTP server per event loop (HTTP/1.1 and h2c, or
 * mutual TLS with {@link Builder#withTls}), all on one port, each with its own keep-alive client to
 * the upstreams and its own {@link ProxyPipeline}. Whatever the pipelines share (routes, queues,
 * metrics) the component shares itself.
 *
 * <p>Port 0 picks one free port for all the instances. Vert.x shares a listening socket between
 * servers of the same host and port, round-robin over their event loops; port 0 is never shared,
 * but a negative port is: every server listening on -n shares one random port. Each start takes a
 * new n, counted from the component's {@linkplain Builder#withNegativePortBase negative-port base},
 * so two servers never share a socket by accident: not two starts of one component, and not two
 * components in one Vert.x (which would hand one component's connections to the other).
 */
public final class ProxyServer {
  private static final System.Logger LOG = System.getLogger(ProxyServer.class.getName());
  private static final AtomicInteger SHARED_RANDOM_PORT = new AtomicInteger();

  private final Vertx vertx;
  private final ProxySettings settings;
  private final String name;
  private final int negativePortBase;
  private final ConnectionGuard guard;
  private final Function<HttpClient, ? extends ProxyPipeline<?>> pipelines;
  private final UpstreamTls upstreamTls;
  private final Duration deadPeerTimeout;
  private final ListenerTls listenerTls;
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile String deployment;
  private volatile int actualPort = -1;

  private ProxyServer(Builder b) {
    this.vertx = b.settings.vertx();
    this.settings = b.settings;
    this.name = b.name;
    this.negativePortBase = b.negativePortBase;
    this.guard = b.guard != null ? b.guard : ConnectionGuard.of(b.settings);
    this.pipelines = b.pipelines;
    this.upstreamTls = b.upstreamTls;
    this.deadPeerTimeout = b.deadPeerTimeout;
    this.listenerTls = b.listenerTls;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts listening on {@code host:port}; port 0 picks a free port (see {@link #actualPort()}). A
   * second start fails; after a failed start (the port is taken, say) the caller may try again.
   */
  public Future<Void> start(String host, int port) {
    if (!started.compareAndSet(false, true)) {
      return Future.failedFuture(new IllegalStateException("the " + name + " was already started"));
    }
    int listenPort = port == 0 ? -(negativePortBase + SHARED_RANDOM_PORT.incrementAndGet()) : port;
    List<ProxyVerticle> created = Collections.synchronizedList(new ArrayList<>());
    return vertx
        .deployVerticle(
            () -> {
              ProxyVerticle v =
                  new ProxyVerticle(
                      host,
                      listenPort,
                      settings,
                      guard,
                      pipelines,
                      upstreamTls,
                      listenerTls,
                      deadPeerTimeout);
              created.add(v);
              return v;
            },
            new DeploymentOptions().setInstances(settings.serverInstances()))
        .onFailure(err -> started.set(false))
        .map(
            id -> {
              deployment = id;
              synchronized (created) {
                actualPort = created.stream().mapToInt(ProxyVerticle::actualPort).max().orElse(-1);
              }
              if (listenerTls != null && listenerTls.preferOpenSsl()) {
                LOG.log(
                    Level.INFO,
                    "{0} TLS listener on port {1}: {2}",
                    name,
                    String.valueOf(actualPort), // MessageFormat would group its digits
                    ProxyVerticle.usesOpenSsl(listenerTls)
                        ? "OpenSSL (BoringSSL, netty-tcnative)"
                        : "the JDK's SSLEngine; OpenSSL did not load: "
                            + OpenSsl.unavailabilityCause());
              }
              if (upstreamTls != null && upstreamTls.preferOpenSsl()) {
                LOG.log(
                    Level.INFO,
                    "{0} upstream TLS client: {1}",
                    name,
                    ProxyVerticle.usesOpenSsl(upstreamTls)
                        ? "OpenSSL (BoringSSL, netty-tcnative)"
                        : "the JDK's SSLEngine; OpenSSL did not load: "
                            + OpenSsl.unavailabilityCause());
              }
              return null;
            });
  }

  /** How many client connections are open now. */
  public int connections() {
    return guard.connections();
  }

  /**
   * What terminates TLS on this server's listener: {@code "openssl"} (netty-tcnative's BoringSSL,
   * when the {@link ListenerTls} prefers it and it loads), {@code "jdk"} (the JDK's SSLEngine), or
   * null for a plaintext listener.
   */
  public String tlsEngine() {
    if (listenerTls == null) {
      return null;
    }
    return ProxyVerticle.usesOpenSsl(listenerTls) ? "openssl" : "jdk";
  }

  /**
   * What speaks TLS to this server's upstream endpoints: {@code "openssl"} (when the {@link
   * UpstreamTls} prefers it and it loads), {@code "jdk"}, or null when the server has no upstream
   * TLS.
   */
  public String upstreamTlsEngine() {
    if (upstreamTls == null) {
      return null;
    }
    return ProxyVerticle.usesOpenSsl(upstreamTls) ? "openssl" : "jdk";
  }

  /** The port listened on once started; -1 before. */
  public int actualPort() {
    return actualPort;
  }

  /** Stops listening and closes the connections to upstreams. */
  public Future<Void> close() {
    String id = deployment;
    deployment = null;
    return id == null ? Future.succeededFuture() : vertx.undeploy(id);
  }

  /**
   * Settings of a proxy server; {@code withSettings}, {@code withName} and {@code withPipeline} are
   * required.
   */
  public static final class Builder {
    private ProxySettings settings;
    private String name;
    private int negativePortBase;
    private Function<HttpClient, ? extends ProxyPipeline<?>> pipelines;
    private UpstreamTls upstreamTls;
    private Duration deadPeerTimeout;
    private ListenerTls listenerTls;
    private ConnectionGuard guard;

    private Builder() {}

    /**
     * Counts this server's connections with {@code guard} (its caps and timeouts), shared with
     * another server of the component, such as a plain and a TLS listener of one gateway. Default a
     * guard of the server's own, from the settings.
     */
    public Builder withConnectionGuard(ConnectionGuard guard) {
      this.guard = Objects.requireNonNull(guard, "guard");
      return this;
    }

    /**
     * Gives each event loop's upstream client these TLS credentials, for endpoints that name an
     * identity (see {@link EndpointProxy}); their changes are swapped into the live clients.
     * Default none: every endpoint speaks plaintext.
     */
    public Builder withUpstreamTls(UpstreamTls tls) {
      this.upstreamTls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /**
     * Listens with mutual TLS (TLS only, client certificate required, ALPN for HTTP/2 and HTTP/1.1)
     * instead of plaintext HTTP/1.1 and h2c; the client's identity reaches the pipeline as {@link
     * ProxyExchange#peerIdentity()}. Changes are swapped into the live servers.
     */
    public Builder withTls(ListenerTls tls) {
      this.listenerTls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /**
     * Closes upstream connections whose peer went silent (a machine gone, a link cut: no reset
     * comes): a TCP connect not answered within {@code timeout} fails, data unacknowledged for
     * {@code timeout} ends the connection (TCP_USER_TIMEOUT), and idle ones are probed by TCP
     * keep-alive every second after a second's silence. Needs the native (epoll) transport; without
     * it the options are ignored. Default none: the kernel's retransmission timeouts (minutes).
     */
    public Builder withDeadPeerTimeout(Duration timeout) {
      this.deadPeerTimeout = Arguments.positive(timeout, "dead peer timeout");
      return this;
    }

    /** The component's shared settings: Vert.x, server instances, upstream pool size. */
    public Builder withSettings(ProxySettings settings) {
      this.settings = Objects.requireNonNull(settings, "settings");
      return this;
    }

    /** The component's name in messages, e.g. {@code gateway}. */
    public Builder withName(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /**
     * Where this component's keys for port 0 start; default 0. Components that may run in one
     * Vert.x take bases far apart, such as 0 and {@code 1 << 20}.
     */
    public Builder withNegativePortBase(int base) {
      if (base < 0) {
        throw new IllegalArgumentException("negative-port base must be >= 0, got " + base);
      }
      this.negativePortBase = base;
      return this;
    }

    /**
     * Builds each event loop's pipeline around that loop's upstream client; called once per server
     * instance, on its event loop.
     */
    public Builder withPipeline(Function<HttpClient, ? extends ProxyPipeline<?>> pipelines) {
      this.pipelines = Objects.requireNonNull(pipelines, "pipelines");
      return this;
    }

    public ProxyServer build() {
      if (settings == null || name == null || pipelines == null) {
        throw new IllegalStateException(
            "withSettings(..), withName(..) and withPipeline(..) are required");
      }
      return new ProxyServer(this);
    }
  }
}
