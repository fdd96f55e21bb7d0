package dev.skiff.activator.internal;

import dev.skiff.activator.UpstreamFailedException;
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
 * The innermost stage: sends the request to the granted endpoint over the pooled keep-alive HTTP/1.1
 * client and streams both bodies through with back-pressure. Until the request is handed to the
 * connection, failures are {@link EndpointGoneException} (nothing was sent; the request may be
 * queued again); after, {@link UpstreamFailedException}.
 */
final class ProxyToEndpoint implements Stage {
  private final HttpClient client;
  private final long connectTimeoutMillis;

  ProxyToEndpoint(HttpClient client, Duration connectTimeout) {
    this.client = client;
    this.connectTimeoutMillis = connectTimeout.toMillis();
  }

  @Override
  public Future<Void> serve(Exchange x) {
    EndpointSlot slot = x.slot();
    if (slot.gone()) {
      return Future.failedFuture(removed(slot));
    }
    Promise<Void> done = Promise.promise();
    x.cancellation().onFailure(done::tryFail);
    client
        .request(optionsFor(x, slot))
        .onComplete(
            connected -> {
              if (connected.failed()) {
                done.tryFail(
                    new EndpointGoneException(
                        "could not connect to " + slot + ": " + connected.cause().getMessage(),
                        true,
                        connected.cause()));
                return;
              }
              HttpClientRequest up = connected.result();
              if (done.future().isComplete()) {
                up.reset(); // abandoned while connecting; nothing was written
              } else if (slot.gone()) {
                up.reset();
                done.tryFail(removed(slot));
              } else {
                x.markSent();
                forward(x, up, done);
              }
            });
    return done.future();
  }

  private RequestOptions optionsFor(Exchange x, EndpointSlot slot) {
    return new RequestOptions()
        .setMethod(x.request().method())
        .setHost(slot.endpoint().host())
        .setPort(slot.endpoint().port())
        .setURI(originForm(x.request().uri()))
        .setHeaders(x.upstreamHeaders())
        .setConnectTimeout(connectTimeoutMillis);
  }

  /** Sends the request on an obtained connection and relays the answer; completes {@code done}. */
  private static void forward(Exchange x, HttpClientRequest up, Promise<Void> done) {
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
                        .recover(
                            err -> Future.failedFuture(failed(x, "response broke off from", err))))
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

  /** Streams the instance's response back: status, end-to-end headers, body. */
  private static Future<Void> relay(Exchange x, HttpClientResponse in) {
    HttpServerResponse out = x.response();
    out.setStatusCode(in.statusCode());
    HopByHop.copy(in.headers(), out.headers(), Set.of());
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

  private static EndpointGoneException removed(EndpointSlot slot) {
    return new EndpointGoneException(slot + " left the ready set before the request was sent",
        false, null);
  }

  private static UpstreamFailedException failed(Exchange x, String what, Throwable cause) {
    return new UpstreamFailedException(
        what + " " + x.slot() + " (revision " + x.revision() + "): " + cause.getMessage(),
        "the instance may have crashed or be shutting down; the request was sent, so it was not"
            + " retried; retry if it is safe to, and check the revision's instance logs",
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
