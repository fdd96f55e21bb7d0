package dev.skiff.proxy;

import dev.skiff.proxy.internal.LoopConnections;
import dev.skiff.proxy.internal.NettyCall;
import dev.skiff.proxy.internal.NettyUpstreams;
import dev.skiff.proxy.internal.RequestBody;
import dev.skiff.proxy.internal.StaleConnections;
import dev.skiff.proxy.internal.UpstreamChannel;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.ContextInternal;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import javax.net.ssl.SSLException;

/**
 * Sends an exchange's request to one endpoint over a pooled keep-alive HTTP/1.1 client and streams
 * both bodies through with back-pressure; nothing is buffered beyond the write queues, except up to
 * {@link #KEPT_BODY_BYTES} of a request body sent to an HTTP/2 endpoint, kept to send it again. The
 * endpoint sees the client's Host and the exchange's {@link ProxyExchange#upstreamHeaders()}; the
 * client gets the endpoint's status and end-to-end headers.
 *
 * <p>Cancelling the exchange ends the call at once: the returned future fails with the
 * cancellation's cause and the upstream request is reset. Failures of the upstream itself fail it
 * with whatever the caller's {@link UpstreamPolicy} makes of them.
 *
 * <p>An endpoint that names an identity is called over TLS with the {@link UpstreamTls}'s
 * credentials, on connections of its own (the client's pool's, or this proxy's own with {@link
 * #withOwnConnections}): once a connection is obtained, and before any byte of the request is
 * written, the identity its certificate names must be exactly the expected one (checked once per
 * connection); otherwise the connection is closed, never reused, and the call fails with {@link
 * UpstreamFailure#TLS}.
 *
 * <p>A kept-alive connection that its server closed while it sat idle (Node.js closes idle ones
 * after 5 s) may be reused as the close crosses the next request on the wire: the connection then
 * closes, or is reset, without a byte of an answer. Such a request is sent again, once, on a new
 * connection to the same endpoint (on every way there: the client's pool, the own connections, the
 * Netty channels), when that is safe, as Go's net/http transport and nginx do: the connection had
 * answered a request before (a server that hangs up on a new connection does not want the request),
 * and the request has no body and an idempotent method or an {@code Idempotency-Key} ({@link
 * Replayable}). Any other request so failed fails with {@link UpstreamFailure#NO_RESPONSE} and a
 * cause that says the server closed the kept-alive connection and why it was not sent again. The
 * policy's {@link UpstreamPolicy#commit} is asked again before the second attempt.
 *
 * <p>An HTTP/2 endpoint (an h2c workload behind the sidecar, a mesh hop over mTLS) says itself what
 * it did not process ({@link Unprocessed}): a stream above the last stream id of the GOAWAY it sent
 * as it shut the connection down (a graceful stop, a connection-age or stream limit), or one it
 * reset with REFUSED_STREAM. Such a request is sent again, once, through the client's pool (which
 * has dropped the connection that received the GOAWAY) when its whole body is at hand, whatever its
 * method, as Go's HTTP/2 transport does: it has none, or the proxy kept every byte of it it had
 * read (at most {@link #KEPT_BODY_BYTES}; the rest follows from the client). One of which more was
 * read, or whose second attempt was not processed either, fails with {@link
 * UpstreamFailure#NO_RESPONSE} and a {@link NotProcessedException} cause. A stream at or below the
 * GOAWAY's last stream id may have been processed: it follows the rules above, which send nothing
 * again over HTTP/2.
 */
public final class EndpointProxy {
  /** How long a request body may stall while the proxy reads it, unless the caller says. */
  public static final Duration DEFAULT_BODY_READ_TIMEOUT = Duration.ofSeconds(60);

  /**
   * How many bytes of a request body the proxy keeps, per request, while it streams them to an
   * HTTP/2 upstream, so that a request the upstream did not process ({@link Unprocessed}) can be
   * sent again; a request of which more was read is not. Linkerd's retries keep 64 KiB too.
   */
  public static final int KEPT_BODY_BYTES = 64 * 1024;

  /**
   * Diagnostic switch: {@code -Dskiff.proxy.nettyUpstreams=false} sends plaintext calls of a proxy
   * with own connections through Vert.x's client connections ({@link LoopConnections}) instead of
   * Netty channels ({@link NettyUpstreams}), to compare the two in one build. On by default.
   */
  private static final boolean NETTY_UPSTREAMS =
      !"false".equals(System.getProperty("skiff.proxy.nettyUpstreams"));

  /** What error messages say of a peer whose certificate names no single identity. */
  private static final String NO_IDENTITY = "no identity";

  private final HttpClient client;
  private final long connectTimeoutMillis;
  private final long bodyReadTimeoutMillis;
  private final Set<String> ownedResponseHeaders;
  private final UpstreamTls tls;

  /** This proxy's own connections to endpoints; null: the client's pool. */
  private final LoopConnections own;

  /**
   * This proxy's own plaintext channels to endpoints, used at the Netty level; null: plaintext
   * calls go through {@link #own} or the client's pool.
   */
  private final NettyUpstreams netty;

  /** Where a call's request comes from. */
  @FunctionalInterface
  private interface Requests {
    Future<HttpClientRequest> request(
        ProxyExchange x, String host, int port, boolean ssl, Future<Void> over);
  }

  private final Requests clientPool = this::pooled;
  private final Requests ownConnections = this::own;

  /** The identity each TLS connection's peer named, checked once per connection. */
  private final Map<HttpConnection, String> peerIdentities =
      Collections.synchronizedMap(new WeakHashMap<>());

  /**
   * @param client the pooled client of the calling event loop
   * @param connectTimeout how long to wait for a connection before {@link UpstreamFailure#CONNECT}
   * @param ownedResponseHeaders response headers the caller sets itself (lower case); never copied
   *     from the endpoint's response
   */
  public EndpointProxy(
      HttpClient client, Duration connectTimeout, Set<String> ownedResponseHeaders) {
    this(client, connectTimeout, DEFAULT_BODY_READ_TIMEOUT, ownedResponseHeaders);
  }

  /**
   * @param bodyReadTimeout how long the client's body may stall while the proxy wants it before the
   *     exchange fails with a 408 {@link BadRequestException}
   */
  public EndpointProxy(
      HttpClient client,
      Duration connectTimeout,
      Duration bodyReadTimeout,
      Set<String> ownedResponseHeaders) {
    this(client, connectTimeout, bodyReadTimeout, ownedResponseHeaders, null);
  }

  /**
   * @param tls the credentials and trust for endpoints that name an identity; null when every
   *     endpoint speaks plaintext. {@code client} must have been given its {@link
   *     UpstreamTls#sslOptions()} (as {@link ProxyServer}'s client is).
   */
  public EndpointProxy(
      HttpClient client,
      Duration connectTimeout,
      Duration bodyReadTimeout,
      Set<String> ownedResponseHeaders,
      UpstreamTls tls) {
    this(client, connectTimeout, bodyReadTimeout, ownedResponseHeaders, tls, null, null);
  }

  private EndpointProxy(
      HttpClient client,
      Duration connectTimeout,
      Duration bodyReadTimeout,
      Set<String> ownedResponseHeaders,
      UpstreamTls tls,
      LoopConnections own,
      NettyUpstreams netty) {
    this.tls = tls;
    this.client = client;
    this.connectTimeoutMillis = connectTimeout.toMillis();
    this.bodyReadTimeoutMillis = bodyReadTimeout.toMillis();
    this.ownedResponseHeaders = Set.copyOf(ownedResponseHeaders);
    this.own = own;
    this.netty = netty;
  }

  /**
   * This proxy, calling endpoints over kept-alive HTTP/1.1 connections of its own ({@link
   * LoopConnections}: at most {@code maxPerEndpoint} per endpoint, beyond that through the client's
   * pool) instead of the client's shared pool, which costs more per request. TLS endpoints get the
   * same, with the client's SSL options of the moment: a connection made before the {@link
   * UpstreamTls}'s credentials changed is closed instead of reused once its request is over, and
   * the peer's identity is checked on each connection as on the pool's. Plaintext endpoints are
   * called at the Netty level instead ({@link NettyUpstreams}: kept-alive channels on the request's
   * own event loop, the response parsed by Netty's codec with the client's limits and relayed as it
   * comes, no Vert.x client request or response per call), with the same failures, framing and
   * limits as over Vert.x's connections. Only for a proxy confined to one event loop whose client
   * is an {@link HttpClientAgent} given the {@link UpstreamTls}'s options and kept up to date with
   * them (as {@link ProxyServer}'s pipelines are).
   */
  public EndpointProxy withOwnConnections(int maxPerEndpoint) {
    if (!(client instanceof HttpClientAgent agent)) {
      throw new IllegalArgumentException(
          "own connections need an HttpClientAgent, got " + client.getClass().getName());
    }
    UpstreamTls credentials = tls;
    return new EndpointProxy(
        client,
        Duration.ofMillis(connectTimeoutMillis),
        Duration.ofMillis(bodyReadTimeoutMillis),
        ownedResponseHeaders,
        tls,
        new LoopConnections(
            agent,
            Arguments.atLeastOne(maxPerEndpoint, "max connections"),
            credentials == null ? () -> null : credentials::sslOptions),
        NETTY_UPSTREAMS
            ? new NettyUpstreams(Arguments.atLeastOne(maxPerEndpoint, "max connections"))
            : null);
  }

  /**
   * Proxies {@code x} to {@code host:port}. Completes when the response has been relayed; call on
   * the request's event loop.
   */
  public Future<Void> proxy(ProxyExchange x, String host, int port, UpstreamPolicy policy) {
    return proxy(x, host, port, null, policy);
  }

  /**
   * Proxies {@code x} to {@code host:port}, over TLS when {@code identity} is not null: the
   * endpoint's certificate must then name exactly {@code identity}. Completes when the response has
   * been relayed; call on the request's event loop.
   */
  public Future<Void> proxy(
      ProxyExchange x, String host, int port, String identity, UpstreamPolicy policy) {
    Promise<Void> done = Promise.promise();
    if (identity != null && tls == null) {
      done.fail(
          policy.failed(
              UpstreamFailure.TLS,
              new UpstreamTlsException(
                  TlsFailure.HANDSHAKE_FAILED,
                  identity,
                  null,
                  "the endpoint "
                      + host
                      + ":"
                      + port
                      + " must be called over TLS as "
                      + identity
                      + ", but this proxy was given no upstream TLS credentials",
                  null)));
      return done.future();
    }
    x.cancellation().onFailure(done::tryFail);
    if (netty != null && identity == null) {
      Future<UpstreamChannel> channel =
          netty.take((ContextInternal) x.context(), host, port, connectTimeoutMillis);
      if (channel != null) {
        channel.onComplete(
            ar -> {
              if (ar.succeeded()) {
                overNetty(x, ar.result(), host, port, policy, done);
              } else {
                done.tryFail(policy.failed(UpstreamFailure.CONNECT, ar.cause()));
              }
            });
        return done.future();
      }
    }
    // Beyond the Netty channels' limit, plaintext calls go through the client's pool, as beyond
    // the own connections' limit.
    Requests via = own != null && (netty == null || identity != null) ? ownConnections : clientPool;
    via.request(x, host, port, identity != null, done.future())
        .onComplete(connected -> connected(x, host, port, identity, policy, done, connected, null));
    return done.future();
  }

  /**
   * Sends the request on the connection obtained, once its peer is checked and the policy lets it
   * go. {@code sent}: the body of the first attempt, for the request's second and last attempt (on
   * a new connection); null for the first.
   */
  private void connected(
      ProxyExchange x,
      String host,
      int port,
      String identity,
      UpstreamPolicy policy,
      Promise<Void> done,
      AsyncResult<HttpClientRequest> connected,
      RequestBody sent) {
    boolean again = sent != null;
    if (connected.failed()) {
      Throwable cause = connected.cause();
      done.tryFail(
          identity != null && isTls(cause)
              ? policy.failed(UpstreamFailure.TLS, handshakeFailed(identity, cause))
              // The first attempt was sent: no more "nothing sent" once a second one fails.
              : policy.failed(
                  again ? UpstreamFailure.NO_RESPONSE : UpstreamFailure.CONNECT, cause));
      return;
    }
    HttpClientRequest up = connected.result();
    if (done.future().isComplete()) {
      up.reset(); // abandoned while connecting; nothing was written
      return;
    }
    if (identity != null) {
      String actual = peerIdentity(up.connection());
      if (!identity.equals(actual)) {
        // Nothing written yet; closing the connection ends the request with it, and the
        // connection is never used again.
        up.exceptionHandler(ended -> {}); // the call fails below, with the reason
        up.connection().close();
        done.tryFail(policy.failed(UpstreamFailure.TLS, mismatch(identity, actual)));
        return;
      }
    }
    RuntimeException refused = policy.commit();
    if (refused != null) {
      up.reset();
      done.tryFail(refused);
      return;
    }
    forward(x, up, host, port, identity, policy, done, sent);
  }

  /** Sends the request on an obtained plaintext channel and relays the answer. */
  private void overNetty(
      ProxyExchange x,
      UpstreamChannel channel,
      String host,
      int port,
      UpstreamPolicy policy,
      Promise<Void> done) {
    if (done.future().isComplete()) {
      channel.release(); // abandoned while connecting; nothing was written
      return;
    }
    RuntimeException refused = policy.commit();
    if (refused != null) {
      channel.release();
      done.tryFail(refused);
      return;
    }
    // The endpoint sees the client's Host.
    String hostHeader =
        x.request().authority() != null
            ? x.request().authority().toString(false)
            : port == 80 ? host : host + ':' + port;
    NettyCall.run(
        x,
        channel,
        hostHeader,
        originForm(x.request().uri()),
        bodyReadTimeoutMillis,
        connectTimeoutMillis,
        policy,
        ownedResponseHeaders,
        done);
  }

  private Future<HttpClientRequest> pooled(
      ProxyExchange x, String host, int port, boolean ssl, Future<Void> over) {
    return client.request(optionsFor(x, host, port, ssl));
  }

  private Future<HttpClientRequest> own(
      ProxyExchange x, String host, int port, boolean ssl, Future<Void> over) {
    return own.request(
        host, port, ssl, requestOptions(x).setHost(host).setPort(port), connectTimeoutMillis, over);
  }

  /** The identity the connection's peer named, or {@link #NO_IDENTITY}; checked once. */
  private String peerIdentity(HttpConnection conn) {
    String known = peerIdentities.get(conn);
    if (known != null) {
      return known;
    }
    String id;
    try {
      id = tls.identityOf(conn.peerCertificates());
    } catch (javax.net.ssl.SSLPeerUnverifiedException | RuntimeException e) {
      id = null;
    }
    String named = id == null ? NO_IDENTITY : id;
    peerIdentities.put(conn, named);
    return named;
  }

  private static UpstreamTlsException mismatch(String expected, String actual) {
    return new UpstreamTlsException(
        TlsFailure.IDENTITY_MISMATCH,
        expected,
        actual,
        "the endpoint presented " + actual + " where " + expected + " was expected",
        null);
  }

  private UpstreamTlsException handshakeFailed(String expected, Throwable cause) {
    TlsFailure reason = tls.classify(cause);
    return new UpstreamTlsException(
        reason,
        expected,
        null,
        "TLS with the endpoint expected to be "
            + expected
            + " failed ("
            + reason.tag()
            + "): "
            + cause.getMessage(),
        cause);
  }

  private static boolean isTls(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof SSLException || t instanceof CertificateException) {
        return true;
      }
    }
    return false;
  }

  private RequestOptions optionsFor(ProxyExchange x, String host, int port, boolean ssl) {
    return requestOptions(x)
        .setHost(host)
        .setPort(port)
        .setSsl(ssl)
        .setConnectTimeout(connectTimeoutMillis);
  }

  /** The request's method, target and headers; no address. */
  private static RequestOptions requestOptions(ProxyExchange x) {
    return new RequestOptions()
        .setMethod(x.request().method())
        .setURI(originForm(x.request().uri()))
        .setHeaders(x.upstreamHeaders());
  }

  /**
   * Sends the request on an obtained connection and relays the answer; completes {@code done}. A
   * kept-alive connection that its server closed as the request went out, before any answer, gets
   * the request again on a new connection when it can be sent again ({@link StaleConnections}), as
   * does a request an HTTP/2 server did not process when its body is whole; {@code firstBody}, the
   * body of the first attempt, says this is that second attempt, the last.
   */
  private void forward(
      ProxyExchange x,
      HttpClientRequest up,
      String host,
      int port,
      String identity,
      UpstreamPolicy policy,
      Promise<Void> done,
      RequestBody firstBody) {
    if (x.request().authority() != null) {
      up.authority(x.request().authority()); // the endpoint sees the client's Host
    }
    x.cancellation().onFailure(cause -> resetUnlessAnswered(up, cause));
    boolean again = firstBody != null;
    RequestBody body = again ? firstBody : firstBody(x, done);
    // Only an HTTP/2 server says what it did not process, and only a first attempt has another.
    boolean keep = !again && up.version() == HttpVersion.HTTP_2;
    body.send(up, keep)
        .onComplete(
            sent -> {
              if (sent.succeeded()) {
                // Abandoned meanwhile: the reset is under way, nothing to relay.
                if (!done.future().isComplete()) {
                  relay(x, up, sent.result(), policy, done);
                }
                return;
              }
              Throwable err = sent.cause();
              if (err instanceof BadRequestException) {
                resetUnlessAnswered(up, err); // the client's fault, answered by the proxy itself
                done.tryFail(err);
                return;
              }
              String unprocessed =
                  done.future().isComplete() ? null : Unprocessed.reason(err, up.streamId());
              if (unprocessed != null) {
                // HTTP/2: the server said it did not process the stream; any method may go again.
                if (!again && body.whole()) {
                  sendAgain(x, host, port, identity, policy, done, body, true);
                  return;
                }
                err = new NotProcessedException(unprocessed, again, err);
              } else if (!again
                  && !done.future().isComplete()
                  && StaleConnections.closedByPeer(err)
                  && StaleConnections.reused(up.connection())) {
                if (Replayable.request(x.request())) {
                  sendAgain(x, host, port, identity, policy, done, body, false);
                  return;
                }
                err = StaleConnections.notSentAgain(err);
              }
              RuntimeException failure = policy.failed(UpstreamFailure.NO_RESPONSE, err);
              resetUnlessAnswered(up, failure);
              done.tryFail(failure);
            });
  }

  /**
   * The body of the request's first attempt, whose kept bytes are let go once the exchange is over,
   * however it ends (answered, failed, cancelled, the client gone).
   */
  private RequestBody firstBody(ProxyExchange x, Promise<Void> done) {
    return RequestBody.of(
        x.request(), x.context().owner(), bodyReadTimeoutMillis, KEPT_BODY_BYTES, done.future());
  }

  /**
   * The request's second attempt. After a kept-alive HTTP/1.x connection closed under it: on a new
   * connection of its own, closed once the exchange is over, since the pool might lend another
   * connection its server has given up. After an HTTP/2 server did not process it ({@code pooled}):
   * through the client's pool, which has dropped a connection that received GOAWAY and lends
   * another (or opens one), as it will for every later request; a one-off connection would cost a
   * handshake that the next requests do not share.
   */
  private void sendAgain(
      ProxyExchange x,
      String host,
      int port,
      String identity,
      UpstreamPolicy policy,
      Promise<Void> done,
      RequestBody sent,
      boolean pooled) {
    boolean ssl = identity != null;
    Future<HttpClientRequest> next =
        !pooled && client instanceof HttpClientAgent agent
            ? StaleConnections.fresh(
                agent, host, port, ssl, requestOptions(x), connectTimeoutMillis, done.future())
            // Not an agent (no connection of one's own): the pool, which opens a new connection
            // unless another of its kept ones is free.
            : client.request(optionsFor(x, host, port, ssl));
    next.onComplete(connected -> connected(x, host, port, identity, policy, done, connected, sent));
  }

  /** Relays the response; completes {@code done}. */
  private void relay(
      ProxyExchange x,
      HttpClientRequest up,
      HttpClientResponse response,
      UpstreamPolicy policy,
      Promise<Void> done) {
    relay(x, response)
        .onComplete(
            relayed -> {
              if (relayed.failed()) {
                RuntimeException failure =
                    policy.failed(UpstreamFailure.RESPONSE_BROKE_OFF, relayed.cause());
                resetUnlessAnswered(up, failure);
                done.tryFail(failure);
              } else {
                done.tryComplete();
              }
            });
  }

  /**
   * Stops {@code up} unless its response has already ended. Vert.x's reset of an HTTP/1.1 request
   * whose exchange is over closes the connection it ran on, which the pool may by then have lent to
   * another request: that request would fail with "Connection was closed" before a byte of it was
   * sent (a sidecar answered a healthy workload's caller 503 so, when another caller left while its
   * answer was being relayed). An answered request has nothing left to stop; a body still being
   * uploaded is stopped by {@link RequestBody} when the client's side breaks.
   */
  static void resetUnlessAnswered(HttpClientRequest up, Throwable cause) {
    Future<HttpClientResponse> response = up.response();
    if (response.succeeded() && response.result().end().succeeded()) {
      return;
    }
    up.reset(0, cause);
  }

  /**
   * Streams the endpoint's response to the client: status, end-to-end headers, body, then its
   * trailers (gRPC's status rides there) when it sent any.
   */
  private Future<Void> relay(ProxyExchange x, HttpClientResponse in) {
    HttpServerResponse out = x.response();
    out.setStatusCode(in.statusCode());
    HopByHop.copy(in.headers(), out.headers(), ownedResponseHeaders);
    if (needsChunking(x, in)) {
      out.setChunked(true);
    }
    return in.pipe()
        .endOnFailure(false)
        .endOnSuccess(false)
        .to(out)
        .compose(
            v -> {
              if (!in.trailers().isEmpty()) {
                HopByHop.copy(in.trailers(), out.trailers(), Set.of());
              }
              return out.end();
            });
  }

  private static boolean needsChunking(ProxyExchange x, HttpClientResponse in) {
    int status = in.statusCode();
    return x.request().version() == HttpVersion.HTTP_1_1
        && !in.headers().contains("content-length")
        && status >= 200
        && status != 204
        && status != 304
        && !x.request().method().name().equals("HEAD");
  }

  /** The request target in origin form: an absolute-form URI loses its scheme and authority. */
  static String originForm(String uri) {
    if (uri.startsWith("/") || uri.equals("*")) {
      return uri;
    }
    int scheme = uri.indexOf("://");
    if (scheme < 0) {
      return "/" + uri;
    }
    int path = uri.indexOf('/', scheme + 3);
    int query = uri.indexOf('?', scheme + 3);
    if (path < 0 && query < 0) {
      return "/";
    }
    if (path < 0 || (query >= 0 && query < path)) {
      return "/" + uri.substring(query);
    }
    return uri.substring(path);
  }
}
