package dev.skiff.proxy.internal;

import dev.skiff.proxy.BadRequestException;
import dev.skiff.proxy.ClientGoneException;
import dev.skiff.proxy.ConnectionGuard;
import dev.skiff.proxy.ErrorResponder;
import dev.skiff.proxy.ListenerTls;
import dev.skiff.proxy.ProxyExchange;
import dev.skiff.proxy.ProxyPipeline;
import dev.skiff.proxy.ProxySettings;
import dev.skiff.proxy.RequestChecks;
import dev.skiff.proxy.UpstreamTls;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientBuilder;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.time.Duration;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One event loop's share of a proxy server: an HTTP server (HTTP/1.1 and h2c, prior knowledge and
 * upgrade; or mutual TLS) on the shared port, its own keep-alive HTTP/1.1 client to the upstreams
 * (TLS to those that name an identity), and the pipeline built around that client.
 */
public final class ProxyVerticle extends VerticleBase {
  /** HTTP/2 connections per endpoint and event loop on mesh hops. */
  private static final int HTTP2_CONNECTIONS_PER_ENDPOINT = 4;

  /** Streams a caller may open at once on one HTTP/2 connection to a TLS listener. */
  private static final long HTTP2_STREAMS = 1000;

  private final String host;
  private final int port;
  private final ProxySettings settings;
  private final ConnectionGuard guard;
  private final Function<HttpClient, ? extends ProxyPipeline<?>> pipelines;
  private final UpstreamTls upstreamTls;
  private final ListenerTls listenerTls;
  private final Duration deadPeerTimeout;

  /** Each TLS client connection's identity, read once; confined to this verticle's event loop. */
  private final Map<HttpConnection, String> peers = new WeakHashMap<>();

  private HttpServer server;
  private volatile HttpClientAgent client;
  private ProxyPipeline<?> pipeline;
  private Runnable stopClientUpdates = () -> {};
  private Runnable stopServerUpdates = () -> {};

  public ProxyVerticle(
      String host,
      int port,
      ProxySettings settings,
      ConnectionGuard guard,
      Function<HttpClient, ? extends ProxyPipeline<?>> pipelines,
      UpstreamTls upstreamTls,
      ListenerTls listenerTls,
      Duration deadPeerTimeout) {
    this.upstreamTls = upstreamTls;
    this.deadPeerTimeout = deadPeerTimeout;
    this.listenerTls = listenerTls;
    this.host = host;
    this.port = port;
    this.settings = settings;
    this.guard = guard;
    this.pipelines = pipelines;
  }

  @Override
  public Future<?> start() {
    client = upstreamClient();
    pipeline = pipelines.apply(client);
    HttpServerOptions options =
        guard
            .apply(new HttpServerOptions())
            .setHandle100ContinueAutomatically(true)
            .setCompressionSupported(false)
            .setDecompressionSupported(false)
            // No WebSocket is served here (Upgrade is hop-by-hop, never relayed): without
            // compression to offer, Vert.x leaves the extension handler, which inspects every
            // request and response, out of each connection's pipeline.
            .setPerFrameWebSocketCompressionSupported(false)
            .setPerMessageWebSocketCompressionSupported(false)
            .setTcpNoDelay(true);
    if (listenerTls == null) {
      options.setHttp2ClearTextEnabled(true);
    } else {
      // Registered before reading the options: a change in between is read, never missed.
      stopServerUpdates = listenerTls.onChange(this::updateServer);
      ServerSSLOptions ssl = serverSsl(listenerTls.sslOptions());
      options
          .setSsl(true)
          .setUseAlpn(true)
          .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(HTTP2_STREAMS))
          .setKeyCertOptions(ssl.getKeyCertOptions())
          .setTrustOptions(ssl.getTrustOptions())
          .setEnabledSecureTransportProtocols(ssl.getEnabledSecureTransportProtocols());
      options.setClientAuth(listenerTls.clientAuth());
      if (usesOpenSsl(listenerTls)) {
        options.setSslEngineOptions(new OpenSSLEngineOptions());
      }
    }
    server =
        vertx
            .createHttpServer(options)
            .connectionHandler(guard::connected)
            .requestHandler(request -> handle(pipeline, request));
    if (listenerTls != null) {
      server.exceptionHandler(listenerTls::connectionFailed);
    }
    return server
        .listen(port, host)
        .compose(
            s ->
                // Silent connections count from their accept, and the server counts as started
                // only once they do. Always found: ProxyServer shares ports.
                guard
                    .gate(s.actualPort())
                    .map(
                        found -> {
                          if (!found) {
                            throw new IllegalStateException(
                                "cannot count the connections of port "
                                    + s.actualPort()
                                    + " at accept");
                          }
                          return s;
                        }));
  }

  /**
   * True when a listener with {@code tls} terminates TLS with OpenSSL: it prefers it and
   * netty-tcnative loads in this process; otherwise the JDK's SSLEngine serves.
   */
  public static boolean usesOpenSsl(ListenerTls tls) {
    return tls != null && tls.preferOpenSsl() && OpenSSLEngineOptions.isAvailable();
  }

  /**
   * True when a client with {@code tls} speaks TLS with OpenSSL: it prefers it and netty-tcnative
   * loads in this process; otherwise the JDK's SSLEngine serves.
   */
  public static boolean usesOpenSsl(UpstreamTls tls) {
    return tls != null && tls.preferOpenSsl() && OpenSSLEngineOptions.isAvailable();
  }

  /** The pooled client to the upstreams, with TLS credentials when the component has some. */
  private HttpClientAgent upstreamClient() {
    HttpClientBuilder b =
        vertx
            .httpClientBuilder()
            .with(upstreamOptions())
            .with(
                new PoolOptions()
                    .setHttp1MaxSize(settings.maxConnectionsPerEndpoint())
                    .setHttp2MaxSize(HTTP2_CONNECTIONS_PER_ENDPOINT))
            // Workloads' responses are parsed leniently (bare LF line ends), clients' requests not.
            .withConnectHandler(Channels::lenientResponses);
    if (upstreamTls != null) {
      // Registered before reading the options: a change in between is read, never missed.
      stopClientUpdates = upstreamTls.onChange(this::updateClient);
      b.with(clientSsl(upstreamTls.sslOptions()));
    }
    return b.build();
  }

  /**
   * Mesh hops (TLS) speak HTTP/2 where the peer offers it by ALPN, as Linkerd's proxies do between
   * each other: a burst of requests held at the activator or queued at a sidecar shares a few
   * connections instead of paying a TLS handshake each. Plaintext upstreams stay HTTP/1.1.
   */
  private HttpClientOptions upstreamOptions() {
    boolean tls = upstreamTls != null;
    HttpClientOptions options = new HttpClientOptions();
    if (deadPeerTimeout != null) {
      // A peer that vanished without a reset: it does not answer a SYN within the timeout,
      // unacknowledged data ends the connection after it, and keep-alive probes find it on an idle
      // pooled connection (each unanswered probe counts against the same timeout). The TCP connect
      // only: a TLS handshake keeps the request's own connect timeout (slow on a loaded machine).
      int millis = (int) Math.max(1, deadPeerTimeout.toMillis());
      options
          .setConnectTimeout(millis)
          .setTcpUserTimeout(millis)
          .setTcpKeepAlive(true)
          .setTcpKeepAliveIdleSeconds(1)
          .setTcpKeepAliveIntervalSeconds(1)
          .setTcpKeepAliveCount((int) Math.max(1, deadPeerTimeout.toSeconds()));
    }
    if (usesOpenSsl(upstreamTls)) {
      options.setSslEngineOptions(new OpenSSLEngineOptions());
    }
    return options
        .setProtocolVersion(tls ? HttpVersion.HTTP_2 : HttpVersion.HTTP_1_1)
        .setUseAlpn(tls)
        .setHttp2ClearTextUpgrade(false)
        .setKeepAlive(true)
        .setPipelining(false)
        .setDecompressionSupported(false)
        .setTcpNoDelay(true)
        .setVerifyHost(false);
  }

  private Future<?> updateClient(ClientSSLOptions options) {
    HttpClientAgent c = client;
    return c == null ? Future.succeededFuture() : c.updateSSLOptions(clientSsl(options), true);
  }

  private Future<?> updateServer(ServerSSLOptions options) {
    HttpServer s = server;
    return s == null ? Future.succeededFuture() : s.updateSSLOptions(serverSsl(options), true);
  }

  /** The identity check replaces host name verification (certificates name identities). */
  private static ClientSSLOptions clientSsl(ClientSSLOptions options) {
    return options.copy().setHostnameVerificationAlgorithm("");
  }

  private ServerSSLOptions serverSsl(ServerSSLOptions options) {
    return options.copy().setClientAuth(listenerTls.clientAuth());
  }

  private <X extends ProxyExchange> void handle(ProxyPipeline<X> p, HttpServerRequest request) {
    // The body stays unread until the proxy pipes it, however long the stages before it wait
    // (cold start, queueing).
    request.pause();
    if (guard.condemned(request)) {
      request.connection().close(); // read behind a refused request: never served
      return;
    }
    guard.requestStarted(request);
    String problem = RequestChecks.problem(request);
    if (problem != null) {
      guard.condemn(request);
      ErrorResponder.refuse(
          request,
          new BadRequestException(
              400, problem, "send a well-formed HTTP request (RFC 9110, RFC 9112)", null),
          null);
      return;
    }
    X x = p.exchange(request, context);
    if (listenerTls != null && listenerTls.clientAuth() == ClientAuth.REQUIRED) {
      x.peerIdentity(peerIdentity(request.connection()));
    }
    // An HTTP/2 stream closes as soon as its response has ended: only a close before that end means
    // the client went away.
    request
        .response()
        .closeHandler(
            v -> {
              if (!request.response().ended()) {
                x.cancel(new ClientGoneException());
              }
            });
    p.serve(x)
        .onComplete(
            ar -> {
              x.finish();
              guard.requestEnded(request);
            });
  }

  /** The identity the connection's client certificate names; read once per connection. */
  private String peerIdentity(HttpConnection conn) {
    if (peers.containsKey(conn)) {
      return peers.get(conn);
    }
    String id;
    try {
      id = listenerTls.identityOf(conn.peerCertificates());
    } catch (javax.net.ssl.SSLPeerUnverifiedException | RuntimeException e) {
      id = null;
    }
    peers.put(conn, id);
    return id;
  }

  public int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> stop() {
    stopClientUpdates.run();
    stopServerUpdates.run();
    // Graceful: the listener stops accepting, idle connections close, and each connection with a
    // request in flight closes once it is answered (or when the drain timeout runs out).
    long drainMillis = settings.drainTimeout().toMillis();
    return server.shutdown(drainMillis, TimeUnit.MILLISECONDS).eventually(() -> client.close());
  }
}
