package dev.skiff.gateway.internal;

import dev.skiff.gateway.UpstreamFailedException;
import dev.skiff.gateway.spi.Endpoint;
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
 * The innermost stage: sends the request to the chosen endpoint over the pooled keep-alive HTTP/1.1
 * client and streams both bodies through with back-pressure. Nothing is buffered beyond the pipes'
 * write queues.
 */
final class ProxyToEndpoint implements Stage {
  /** Response headers the gateway sets itself. */
  private static final Set<String> OWNED = Set.of(RequestIds.HEADER, PickRevision.REVISION_HEADER);

  private final HttpClient client;
  private final long connectTimeoutMillis;

  ProxyToEndpoint(HttpClient client, Duration connectTimeout) {
    this.client = client;
    this.connectTimeoutMillis = connectTimeout.toMillis();
  }

  @Override
  public Future<Void> serve(Exchange x) {
    Promise<Void> done = Promise.promise();
    x.cancellation().onFailure(done::tryFail);
    client
        .request(optionsFor(x))
        .onComplete(
            connected -> {
              if (connected.failed()) {
                done.tryFail(failed(x, "could not connect to", connected.cause()));
              } else {
                forward(x, connected.result(), done);
              }
            });
    return done.future();
  }

  private RequestOptions optionsFor(Exchange x) {
    Endpoint ep = x.endpoint();
    return new RequestOptions()
        .setMethod(x.request().method())
        .setHost(ep.host())
        .setPort(ep.port())
        .setURI(originForm(x.request().uri()))
        .setHeaders(x.upstreamHeaders())
        .setConnectTimeout(connectTimeoutMillis);
  }

  /** Sends the request on an obtained connection and relays the answer; completes {@code done}. */
  private static void forward(Exchange x, HttpClientRequest up, Promise<Void> done) {
    if (done.future().isComplete()) {
      up.reset(); // abandoned while connecting
      return;
    }
    if (x.request().authority() != null) {
      up.authority(x.request().authority()); // the instance sees the client's Host
    }
    x.cancellation().onFailure(cause -> up.reset(0, cause));
    RequestBody.send(x.request(), up)
        .recover(err -> Future.failedFuture(failed(x, "no response from", err)))
        .compose(
            response ->
                done.future().isComplete()
                    ? Future.<Void>succeededFuture() // abandoned meanwhile; the reset is under way
                    : relay(x, response)
                        .recover(err -> Future.failedFuture(failed(x, "response broke off from", err))))
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

  /** Streams the instance's response to the client: status, end-to-end headers, body. */
  private static Future<Void> relay(Exchange x, HttpClientResponse in) {
    HttpServerResponse out = x.response();
    out.setStatusCode(in.statusCode());
    HopByHop.copy(in.headers(), out.headers(), OWNED);
    if (needsChunking(x, in)) {
      out.setChunked(true);
    }
    return in.pipe().endOnFailure(false).to(out);
  }

  private static boolean needsChunking(Exchange x, HttpClientResponse in) {
    int status = in.statusCode();
    return x.request().version() == HttpVersion.HTTP_1_1
        && !in.headers().contains("content-length")
        && status >= 200
        && status != 204
        && status != 304
        && !x.request().method().name().equals("HEAD");
  }

  private static UpstreamFailedException failed(Exchange x, String what, Throwable cause) {
    if (x.viaActivator()) {
      return new UpstreamFailedException(
          what + " the activator at " + x.endpoint() + " (revision " + x.revision() + "): "
              + cause.getMessage(),
          "the activator may be down or restarting; retry, and check that it runs and listens"
              + " where the gateway was told",
          cause);
    }
    return new UpstreamFailedException(
        what + " " + x.endpoint() + " (revision " + x.revision() + "): " + cause.getMessage(),
        "the instance may have crashed or be shutting down; retry, and check the revision's"
            + " instance logs if it persists",
        cause);
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
