package dev.skiff.proxy;

import dev.skiff.proxy.internal.RequestBody;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.Set;

/**
 * Sends an exchange's request to one endpoint over a pooled keep-alive HTTP/1.1 client and streams
 * both bodies through with back-pressure; nothing is buffered beyond the pipes' write queues. The
 * endpoint sees the client's Host and the exchange's {@link ProxyExchange#upstreamHeaders()}; the
 * client gets the endpoint's status and end-to-end headers.
 *
 * <p>Cancelling the exchange ends the call at once: the returned future fails with the
 * cancellation's cause and the upstream request is reset. Failures of the upstream itself fail it
 * with whatever the caller's {@link UpstreamPolicy} makes of them.
 */
public final class EndpointProxy {
  /** How long a request body may stall while the proxy reads it, unless the caller says. */
  public static final Duration DEFAULT_BODY_READ_TIMEOUT = Duration.ofSeconds(60);

  private final HttpClient client;
  private final long connectTimeoutMillis;
  private final long bodyReadTimeoutMillis;
  private final Set<String> ownedResponseHeaders;

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
    this.client = client;
    this.connectTimeoutMillis = connectTimeout.toMillis();
    this.bodyReadTimeoutMillis = bodyReadTimeout.toMillis();
    this.ownedResponseHeaders = Set.copyOf(ownedResponseHeaders);
  }

  /**
   * Proxies {@code x} to {@code host:port}. Completes when the response has been relayed; call on
   * the request's event loop.
   */
  public Future<Void> proxy(ProxyExchange x, String host, int port, UpstreamPolicy policy) {
    Promise<Void> done = Promise.promise();
    x.cancellation().onFailure(done::tryFail);
    client
        .request(optionsFor(x, host, port))
        .onComplete(
            connected -> {
              if (connected.failed()) {
                done.tryFail(policy.failed(UpstreamFailure.CONNECT, connected.cause()));
                return;
              }
              HttpClientRequest up = connected.result();
              if (done.future().isComplete()) {
                up.reset(); // abandoned while connecting; nothing was written
                return;
              }
              RuntimeException refused = policy.commit();
              if (refused != null) {
                up.reset();
                done.tryFail(refused);
                return;
              }
              forward(x, up, done, policy);
            });
    return done.future();
  }

  private RequestOptions optionsFor(ProxyExchange x, String host, int port) {
    return new RequestOptions()
        .setMethod(x.request().method())
        .setHost(host)
        .setPort(port)
        .setURI(originForm(x.request().uri()))
        .setHeaders(x.upstreamHeaders())
        .setConnectTimeout(connectTimeoutMillis);
  }

  /** Sends the request on an obtained connection and relays the answer; completes {@code done}. */
  private void forward(
      ProxyExchange x, HttpClientRequest up, Promise<Void> done, UpstreamPolicy policy) {
    if (x.request().authority() != null) {
      up.authority(x.request().authority()); // the endpoint sees the client's Host
    }
    x.cancellation().onFailure(cause -> up.reset(0, cause));
    RequestBody.send(x.request(), up, x.context().owner(), bodyReadTimeoutMillis)
        .recover(
            err ->
                Future.failedFuture(
                    err instanceof BadRequestException
                        ? err // the client's fault, answered by the proxy itself
                        : policy.failed(UpstreamFailure.NO_RESPONSE, err)))
        .compose(
            response ->
                done.future().isComplete()
                    ? Future.<Void>succeededFuture() // abandoned meanwhile; the reset is under way
                    : relay(x, response)
                        .recover(
                            err ->
                                Future.failedFuture(
                                    policy.failed(UpstreamFailure.RESPONSE_BROKE_OFF, err))))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                up.reset();
                done.tryFail(ar.cause());
              } else {
                done.tryComplete();
              }
            });
  }

  /** Streams the endpoint's response to the client: status, end-to-end headers, body. */
  private Future<Void> relay(ProxyExchange x, HttpClientResponse in) {
    HttpServerResponse out = x.response();
    out.setStatusCode(in.statusCode());
    HopByHop.copy(in.headers(), out.headers(), ownedResponseHeaders);
    if (needsChunking(x, in)) {
      out.setChunked(true);
    }
    return in.pipe().endOnFailure(false).to(out);
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
