package dev.skiff.meshproxy.internal;

import dev.skiff.meshproxy.OutboundCall;
import dev.skiff.meshproxy.OutboundReply;
import dev.skiff.proxy.BadRequestException;
import dev.skiff.proxy.ConnectionGuard;
import dev.skiff.proxy.ErrorResponder;
import dev.skiff.proxy.HopByHop;
import dev.skiff.proxy.RequestChecks;
import dev.skiff.proxy.TrustedProxies;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One instance's outbound HTTP/1.1 listener, on the node's end of its link: every request the
 * instance sends there (a plain {@code http://{service}.{namespace}/...}, the name resolved to this
 * address by its {@link DnsResponder}) becomes an {@link OutboundCall} handed to {@code calls},
 * which makes it as the instance's service; the answer goes back as it came. Who calls is known
 * from the address listened on, never from anything the instance sends. Edge checks as on every
 * listener facing clients (http-proxy's {@link RequestChecks} and {@link ConnectionGuard}), plus
 * per-instance caps on connections, calls in flight and body sizes.
 */
public final class OutboundListener {
  /** The limits of one instance's listener. */
  public record Limits(
      int maxConnections,
      int maxInFlight,
      long maxRequestBytes,
      long maxResponseBytes,
      Duration headerTimeout,
      Duration idleTimeout) {}

  private final Vertx vertx;
  private final String clientAddress;
  private final Function<OutboundCall, Future<OutboundReply>> calls;
  private final Function<URI, String> refusal;
  private final Duration timeout;
  private final Limits limits;
  private final ConnectionGuard guard;
  private final AtomicInteger inFlight = new AtomicInteger();
  private HttpServer server;

  /**
   * @param clientAddress the only peer address served (the instance's own)
   * @param calls makes a call as the instance's service
   * @param refusal why a URL is not called (not a name of the mesh), or null when it is called
   * @param timeout how long one call may take (the calling service's request timeout)
   */
  public OutboundListener(
      Vertx vertx,
      String clientAddress,
      Function<OutboundCall, Future<OutboundReply>> calls,
      Function<URI, String> refusal,
      Duration timeout,
      Limits limits) {
    this.vertx = vertx;
    this.clientAddress = clientAddress;
    this.calls = calls;
    this.refusal = refusal;
    this.timeout = timeout;
    this.limits = limits;
    this.guard =
        new ConnectionGuard(
            vertx,
            limits.headerTimeout(),
            limits.idleTimeout(),
            limits.maxConnections(),
            limits.maxConnections(),
            TrustedProxies.NONE);
  }

  public Future<Void> listen(String host, int port) {
    HttpServerOptions options =
        guard
            .apply(new HttpServerOptions())
            .setHttp2ClearTextEnabled(false)
            .setHandle100ContinueAutomatically(true)
            .setCompressionSupported(false)
            .setDecompressionSupported(false)
            .setTcpNoDelay(true);
    server =
        vertx
            .createHttpServer(options)
            .connectionHandler(guard::connected)
            .requestHandler(this::handle);
    return server.listen(port, host).mapEmpty();
  }

  public int port() {
    return server == null ? -1 : server.actualPort();
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void handle(HttpServerRequest request) {
    request.pause();
    if (guard.condemned(request)) {
      request.connection().close();
      return;
    }
    guard.requestStarted(request);
    String problem = RequestChecks.problem(request);
    if (problem == null && !clientAddress.equals(request.remoteAddress().host())) {
      problem = "this listener serves " + clientAddress + " only";
    }
    if (problem != null) {
      guard.condemn(request);
      refuse(request, 400, problem, "send a well-formed HTTP/1.1 request (RFC 9110, RFC 9112)");
      return;
    }
    URI url = url(request);
    if (url == null) {
      refuse(
          request,
          400,
          "the request names no service: Host '" + request.getHeader("host") + "'",
          "call http://{service}.{namespace}/ (or http://{service}.{namespace}.{domain}/)");
      return;
    }
    String refused = refusal.apply(url);
    if (refused != null) {
      answer(request, 403, refused, "only services of the mesh can be called from a container");
      return;
    }
    String length = request.getHeader("content-length");
    if (length != null && tooLong(length)) {
      refuse(
          request,
          413,
          "the request body is over " + limits.maxRequestBytes() + " bytes",
          "send a smaller body");
      return;
    }
    if (inFlight.incrementAndGet() > limits.maxInFlight()) {
      inFlight.decrementAndGet();
      request.response().putHeader("retry-after", "1");
      answer(
          request,
          503,
          "this instance has " + limits.maxInFlight() + " outbound calls in flight already",
          "wait for earlier calls to end before making more");
      return;
    }
    readBody(request)
        .compose(body -> calls.apply(call(request, url, body)))
        .onComplete(
            ar -> {
              inFlight.decrementAndGet();
              if (ar.succeeded()) {
                reply(request, ar.result());
              } else if (ar.cause() instanceof BadRequestException bad) {
                refuse(request, bad.status(), bad.getMessage(), bad.hint());
              } else {
                answer(
                    request,
                    502,
                    "the call failed: " + ar.cause().getMessage(),
                    "retry; if it persists, see the node's log");
              }
            });
  }

  private OutboundCall call(HttpServerRequest request, URI url, Buffer body) {
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    request.headers().forEach(h -> headers.add(Map.entry(h.getKey(), h.getValue())));
    return new OutboundCall(
        request.method().name(), url, headers, body.getBytes(), timeout, limits.maxResponseBytes());
  }

  /** {@code http://{Host}{path}}; the absolute form of the request line is taken too. */
  private static URI url(HttpServerRequest request) {
    String uri = request.uri();
    String host = request.getHeader("host");
    try {
      URI u =
          uri.startsWith("/")
              ? (host == null || host.isEmpty() ? null : new URI("http://" + host + uri))
              : new URI(uri);
      if (u == null
          || !"http".equals(u.getScheme() == null ? null : u.getScheme().toLowerCase(Locale.ROOT))
          || u.getHost() == null
          || u.getRawUserInfo() != null) {
        return null;
      }
      return u;
    } catch (URISyntaxException e) {
      return null;
    }
  }

  private boolean tooLong(String length) {
    try {
      return Long.parseLong(length.trim()) > limits.maxRequestBytes();
    } catch (NumberFormatException e) {
      return true; // RequestChecks refused malformed framing already; be safe anyway
    }
  }

  private Future<Buffer> readBody(HttpServerRequest request) {
    io.vertx.core.Promise<Buffer> body = io.vertx.core.Promise.promise();
    Buffer collected = Buffer.buffer();
    long timer =
        vertx.setTimer(
            Math.max(1, timeout.toMillis()),
            t ->
                body.tryFail(
                    new BadRequestException(
                        408,
                        "the request body did not arrive within " + timeout.toMillis() + " ms",
                        "send the whole body at once",
                        null)));
    request.handler(
        chunk -> {
          if (collected.length() + chunk.length() > limits.maxRequestBytes()) {
            body.tryFail(
                new BadRequestException(
                    413,
                    "the request body is over " + limits.maxRequestBytes() + " bytes",
                    "send a smaller body",
                    null));
            return;
          }
          collected.appendBuffer(chunk);
        });
    request.exceptionHandler(body::tryFail);
    request.endHandler(v -> body.tryComplete(collected));
    request.resume();
    return body.future().andThen(ar -> vertx.cancelTimer(timer));
  }

  private void reply(HttpServerRequest request, OutboundReply reply) {
    HttpServerResponse res = request.response();
    if (res.closed()) {
      guard.requestEnded(request);
      return;
    }
    res.setStatusCode(reply.status());
    for (Map.Entry<String, String> h : reply.headers()) {
      String lower = h.getKey().toLowerCase(Locale.ROOT);
      if (!HopByHop.HEADERS.contains(lower) && !lower.equals("content-length")) {
        res.headers().add(h.getKey(), h.getValue());
      }
    }
    res.end(Buffer.buffer(reply.body())).onComplete(ar -> guard.requestEnded(request));
  }

  /** The mesh's own answer, on a connection that stays usable. */
  private void answer(HttpServerRequest request, int status, String error, String hint) {
    HttpServerResponse res = request.response();
    if (res.closed()) {
      guard.requestEnded(request);
      return;
    }
    // The unread body of a refused request would be taken for the next request's head.
    if (request.getHeader("content-length") != null
        || request.getHeader("transfer-encoding") != null) {
      res.putHeader("connection", "close");
    }
    res.setStatusCode(status)
        .putHeader("content-type", "application/json")
        .putHeader("skiff-mesh-error", String.valueOf(status))
        .end(new JsonObject().put("error", error).put("hint", hint).encode())
        .onComplete(
            ar -> {
              guard.requestEnded(request);
              if ("close".equals(res.headers().get("connection"))) {
                request.connection().close();
              }
            });
  }

  private void refuse(HttpServerRequest request, int status, String error, String hint) {
    ErrorResponder.refuse(request, new BadRequestException(status, error, hint, null), null);
    guard.requestEnded(request);
  }
}
