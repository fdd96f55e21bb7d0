package dev.skiff.meshproxy.internal;

import dev.skiff.meshproxy.Credentials;
import dev.skiff.meshproxy.MeshTlsEngine;
import dev.skiff.meshproxy.TlsMode;
import dev.skiff.proxy.AcceptingLoops;
import dev.skiff.proxy.BadRequestException;
import dev.skiff.proxy.ClientGoneException;
import dev.skiff.proxy.ConnectionGuard;
import dev.skiff.proxy.ErrorResponder;
import dev.skiff.proxy.ProxyPipeline;
import dev.skiff.proxy.ProxySettings;
import dev.skiff.proxy.RequestChecks;
import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.net.ssl.SSLException;

/**
 * The sidecar's listeners: the TLS 1.3 one, and in PERMISSIVE mode a plaintext one beside it, both
 * guarded by one {@link ConnectionGuard} and feeding one pipeline. New credentials are swapped in
 * with {@link HttpServer#updateSSLOptions}: new handshakes use them, open connections keep theirs
 * and carry on.
 *
 * <p>The http-proxy's {@code ProxyServer} is not used because it builds its servers' options itself
 * and has no TLS; this class does the same per-request steps its verticle does.
 */
public final class Listener {
  private static final Set<String> TLS_VERSIONS = MeshTls.TLS_VERSIONS;

  /**
   * Keys for listeners bound to a random port, each shared only by that listener's servers: Vert.x
   * shares a negative port between every server of one Vert.x that listens on it, so these start
   * far from the gateway's and the activator's keys (http-proxy {@code ProxyServer}'s negative-port
   * bases 0, {@code 1 << 19} and {@code 1 << 20}), or a sidecar would join the gateway's socket.
   */
  private static final int NEGATIVE_PORT_BASE = 1 << 24;

  private static final AtomicInteger SHARED_PORT_KEYS = new AtomicInteger();

  private final Vertx vertx;
  private final TlsMode mode;
  private final MeshTlsEngine engine;
  private final String trustDomain;
  private final Clock clock;
  private final ConnectionGuard guard;
  private final ProxyPipeline<SidecarExchange> pipeline;
  private final SidecarMetrics metrics;
  private HttpServer tls;
  private HttpServer plain;

  // What further servers on the TLS port are made with; set once the first one listens.
  private HttpServerOptions tlsOptions;
  private String host;
  private int sharedPort;

  /** The event loops that accept on the TLS port, and the servers beyond the first; guarded. */
  private final Set<EventLoop> loops = new HashSet<>();

  private final List<HttpServer> extras = new ArrayList<>();
  private boolean draining;
  private final Predicate<Context> serveOn = this::serveOn;

  public Listener(
      ProxySettings settings,
      TlsMode mode,
      MeshTlsEngine engine,
      String trustDomain,
      ProxyPipeline<SidecarExchange> pipeline,
      SidecarMetrics metrics) {
    this.vertx = settings.vertx();
    this.mode = mode;
    this.engine = engine;
    this.trustDomain = trustDomain;
    this.clock = settings.clock();
    this.guard = ConnectionGuard.of(settings);
    this.pipeline = pipeline;
    this.metrics = metrics;
  }

  /** Listens with {@code credentials}; {@code plainPort} is used in PERMISSIVE mode only. */
  public Future<Void> listen(Credentials credentials, String host, int port, int plainPort) {
    ServerSSLOptions ssl = sslOptions(credentials);
    HttpServerOptions options =
        base()
            .setSsl(true)
            .setUseAlpn(true)
            // Callers multiplex on HTTP/2 (a burst shares a few connections), so one connection
            // may carry as many requests as the sidecar lets wait.
            .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(1000));
    options
        .setKeyCertOptions(ssl.getKeyCertOptions())
        .setTrustOptions(ssl.getTrustOptions())
        .setEnabledSecureTransportProtocols(TLS_VERSIONS);
    options.setClientAuth(ssl.getClientAuth());
    if (engine.openSsl()) {
      options.setSslEngineOptions(new OpenSSLEngineOptions());
    }
    tls = server(options);
    // Port 0 is never shared between servers in Vert.x; a negative port is a random one that
    // servers listening on the same negative port share (one accepting socket, connections dealt
    // out in turn over their event loops), which serveOn needs.
    int bind = port == 0 ? -(NEGATIVE_PORT_BASE + SHARED_PORT_KEYS.incrementAndGet()) : port;
    Future<HttpServer> listening =
        tls.listen(bind, host)
            .andThen(
                ar -> {
                  if (ar.succeeded()) {
                    offer(options, host, bind);
                  }
                });
    if (mode == TlsMode.PERMISSIVE) {
      plain = server(base());
      listening = listening.compose(s -> plain.listen(plainPort, host));
    }
    return listening.mapEmpty();
  }

  /** Serves new handshakes with {@code credentials}; open connections are left as they are. */
  public Future<Void> update(Credentials credentials) {
    HttpServer s = tls;
    if (s == null) {
      return Future.succeededFuture();
    }
    List<HttpServer> all = new ArrayList<>();
    all.add(s);
    synchronized (this) {
      all.addAll(extras);
    }
    // Servers sharing a port share the first one's TLS context in Vert.x; each is updated anyway,
    // so none could keep handing out the old certificate.
    List<Future<Boolean>> updated = new ArrayList<>();
    for (HttpServer server : all) {
      updated.add(server.updateSSLOptions(sslOptions(credentials), true));
    }
    return Future.all(updated).mapEmpty();
  }

  /**
   * Lets a client in this process (the gateway) ask the TLS port to accept on its own event loop
   * too ({@link AcceptingLoops}), so that the connections it makes from that loop can be served on
   * it: then a request and its answer stay on one thread, instead of a wake of the listener's loop
   * per request and of the client's per answer. A caller on another machine never asks; this
   * listener then accepts on the one loop it was bound from, as before.
   */
  private void offer(HttpServerOptions options, String host, int bind) {
    synchronized (this) {
      if (draining) {
        return;
      }
      this.tlsOptions = options;
      this.host = host;
      this.sharedPort = bind;
      loops.add(((ContextInternal) vertx.getOrCreateContext()).nettyEventLoop());
    }
    AcceptingLoops.offer(tls.actualPort(), serveOn);
  }

  /**
   * Accepts on {@code here}'s event loop too (once per loop); called from that loop. False for a
   * loop of another Vert.x instance, whose servers do not share this one's port.
   */
  private boolean serveOn(Context here) {
    if (here.owner() != vertx) {
      return false;
    }
    EventLoop loop = ((ContextInternal) here).nettyEventLoop();
    HttpServer extra;
    synchronized (this) {
      if (draining || tlsOptions == null) {
        return false;
      }
      if (!loops.add(loop)) {
        return true;
      }
      extra = server(tlsOptions);
      extras.add(extra);
    }
    ContextInternal context =
        ((VertxInternal) vertx)
            .contextBuilder()
            .withEventLoop(loop)
            .withThreadingModel(ThreadingModel.EVENT_LOOP)
            .build();
    context.runOnContext(
        v ->
            extra
                .listen(sharedPort, host)
                .onComplete(
                    ar -> {
                      boolean drained;
                      synchronized (this) {
                        drained = draining;
                        if (ar.failed()) {
                          extras.remove(extra);
                        }
                      }
                      // A drain that began while this one was binding may have missed it.
                      if (ar.succeeded() && drained) {
                        extra.close();
                      }
                    }));
    return true;
  }

  public int port() {
    return tls == null ? -1 : tls.actualPort();
  }

  public int plaintextPort() {
    return plain == null ? -1 : plain.actualPort();
  }

  /** How many client connections are open now. */
  public int connections() {
    return guard.connections();
  }

  /**
   * Stops accepting at once, lets requests in flight finish for up to {@code grace}, then closes
   * what is left.
   */
  public Future<Void> drain(Duration grace) {
    List<Future<Void>> down = new ArrayList<>();
    synchronized (this) {
      draining = true;
      for (HttpServer extra : extras) {
        down.add(extra.shutdown(grace));
      }
    }
    HttpServer s = tls;
    if (s != null) {
      AcceptingLoops.withdraw(s.actualPort(), serveOn);
      down.add(s.shutdown(grace));
    }
    down.add(plain == null ? Future.succeededFuture() : plain.shutdown(grace));
    return Future.join(down).mapEmpty();
  }

  private HttpServerOptions base() {
    return guard
        .apply(new HttpServerOptions())
        .setHttp2ClearTextEnabled(true)
        .setHandle100ContinueAutomatically(true)
        .setCompressionSupported(false)
        .setDecompressionSupported(false)
        .setTcpNoDelay(true);
  }

  private HttpServer server(HttpServerOptions options) {
    return vertx
        .createHttpServer(options)
        .connectionHandler(
            conn -> {
              guard.connected(conn);
              AcceptingLoops.served(conn);
            })
        .exceptionHandler(this::connectionFailed)
        .requestHandler(this::handle);
  }

  private ServerSSLOptions sslOptions(Credentials c) {
    return MeshTls.server(
        c,
        mode == TlsMode.STRICT ? ClientAuth.REQUIRED : ClientAuth.REQUEST,
        trustDomain,
        clock,
        metrics::refused);
  }

  private void connectionFailed(Throwable err) {
    Refusal r = classify(err);
    if (r != null) {
      metrics.refused(r);
    }
  }

  /** The refusal a server-side connection failure stands for; null when not a handshake's. */
  public static Refusal classify(Throwable err) {
    boolean ssl = false;
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof PeerVerifier.RefusedPeerException) {
        return null; // the verifier counted it
      }
      if (t.getClass().getSimpleName().equals("NotSslRecordException")) {
        return Refusal.PLAINTEXT;
      }
      String m = t.getMessage();
      // JSSE's words, then BoringSSL's (OpenSSL): a client that sent no certificate.
      if (m != null
          && (m.contains("Empty client certificate chain")
              || m.contains("certificate_required")
              || m.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE"))) {
        return Refusal.NO_CERTIFICATE;
      }
      ssl |= t instanceof SSLException;
    }
    return ssl ? Refusal.HANDSHAKE_FAILED : null;
  }

  private void handle(HttpServerRequest request) {
    // The body stays unread until the workload's request is ready for it.
    request.pause();
    if (guard.condemned(request)) {
      request.connection().close();
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
    SidecarExchange x = pipeline.exchange(request, vertx.getOrCreateContext());
    // An HTTP/2 stream closes once its response has ended; only a close before that is a client
    // that went away (else a served request would be counted as abandoned).
    request
        .response()
        .closeHandler(
            v -> {
              if (!request.response().ended()) {
                x.cancel(new ClientGoneException());
              }
            });
    pipeline
        .serve(x)
        .onComplete(
            ar -> {
              x.finish();
              guard.requestEnded(request);
            });
  }
}
