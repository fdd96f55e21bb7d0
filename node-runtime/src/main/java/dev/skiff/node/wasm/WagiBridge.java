package dev.skiff.node.wasm;

import dev.skiff.proxy.InProcessWorkload;
import dev.skiff.proxy.SkiffHeaders;
import dev.skiff.proxy.WholeBodyRequest;
import dev.skiff.wasm.RequestTooLargeException;
import dev.skiff.wasm.WagiRequest;
import dev.skiff.wasm.WagiResponse;
import dev.skiff.wasm.WasmFunction;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Turns an HTTP request into a CGI request for a Wasm function and its CGI answer back into HTTP.
 * The body is collected up to the function's limit, since CGI hands the whole of it to stdin. The
 * in-process handler of a Wasm instance: its front (the mesh sidecar, or the plain loopback front)
 * calls it and counts the request; the bridge leaves the response's end and close handlers to it.
 */
final class WagiBridge implements Handler<HttpServerRequest>, InProcessWorkload {
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "transfer-encoding",
          "te",
          "trailer",
          "upgrade",
          "proxy-authorization",
          "proxy-authenticate",
          "content-length");

  /** The cold-start trace's logger: the first request of each instance is traced at DEBUG. */
  private static final System.Logger TRACE = System.getLogger("skiff.coldstart");

  private final WasmFunction function;
  private final long maxRequestBytes;
  private final String instanceId;
  private final AtomicBoolean first = new AtomicBoolean(true);

  WagiBridge(WasmFunction function, String instanceId) {
    this.function = function;
    this.maxRequestBytes = function.config().maxRequestBytes();
    this.instanceId = instanceId;
  }

  @Override
  public void handle(HttpServerRequest req) {
    // Completes when the client is gone before its answer: the connection closed or, on HTTP/2,
    // the stream was reset (Vert.x then fails the unfinished response: its exception handler; the
    // close handler belongs to the front). The function's guest is then stopped instead of running
    // on.
    Promise<Void> gone = Promise.promise();
    req.response().exceptionHandler(err -> gone.tryComplete());
    serve(req, gone.future());
  }

  private void serve(HttpServerRequest req, Future<Void> gone) {
    boolean traced =
        first.get() && first.compareAndSet(true, false) && TRACE.isLoggable(Level.DEBUG);
    long arrived = traced ? System.nanoTime() : 0;
    String declared = req.getHeader("Content-Length");
    if (declared != null && parseLong(declared) > maxRequestBytes) {
      fail(req.response(), new RequestTooLargeException(parseLong(declared), maxRequestBytes));
      return;
    }
    if (req instanceof WholeBodyRequest whole) {
      // Handed over in process with the body in memory: the function starts now, on this turn of
      // the event loop, with the caller's bytes (no collecting buffer, no wait for resume()).
      byte[] bytes = whole.takeBody();
      if (bytes != null) {
        if (bytes.length > maxRequestBytes) {
          fail(req.response(), new RequestTooLargeException(bytes.length, maxRequestBytes));
          return;
        }
        call(req, bytes, gone, traced, arrived);
        return;
      }
    }
    Buffer body = Buffer.buffer();
    req.handler(
        chunk -> {
          if (body.length() + chunk.length() > maxRequestBytes) {
            req.pause();
            fail(
                req.response(),
                new RequestTooLargeException(
                    body.length() + (long) chunk.length(), maxRequestBytes));
            return;
          }
          body.appendBuffer(chunk);
        });
    req.endHandler(
        v -> {
          if (!req.response().ended()) {
            call(req, body.getBytes(), gone, traced, arrived);
          }
        });
  }

  /**
   * The typed entry: the same CGI request as {@link #handle} builds for a request handed over in
   * process with these headers and bytes, and the same answer (the function's, or the failure's:
   * 413, 503, 504, ...) as status, lower-case headers and bytes, without an HTTP request or
   * response object in between.
   */
  @Override
  public Future<Answer> serve(Call call, Future<Void> gone) {
    boolean traced =
        first.get() && first.compareAndSet(true, false) && TRACE.isLoggable(Level.DEBUG);
    long arrived = traced ? System.nanoTime() : 0;
    String declared = call.header("Content-Length");
    long size =
        declared == null ? call.body().length : Math.max(parseLong(declared), call.body().length);
    if (size > maxRequestBytes) {
      return Future.succeededFuture(
          answer(WagiResponse.ofFailure(new RequestTooLargeException(size, maxRequestBytes))));
    }
    long called = traced ? System.nanoTime() : 0;
    Future<WagiResponse> answered = function.handle(toWagi(call), gone);
    if (traced) {
      answered = answered.andThen(ar -> trace(arrived, called, ar.succeeded()));
    }
    return answered.transform(
        ar ->
            Future.succeededFuture(
                answer(ar.succeeded() ? ar.result() : WagiResponse.ofFailure(ar.cause()))));
  }

  /** The function's answer as the typed entry gives it: hop-by-hop headers dropped, as write. */
  private static Answer answer(WagiResponse resp) {
    List<Map.Entry<String, String>> headers = new ArrayList<>(resp.headers().size() + 1);
    resp.headers()
        .forEach(
            (name, values) -> {
              String lower = name.toLowerCase(Locale.ROOT);
              if (!HOP_BY_HOP.contains(lower)) {
                for (String value : values) {
                  headers.add(Map.entry(lower, value));
                }
              }
            });
    return new Answer(resp.status(), headers, resp.body());
  }

  /** Runs the function on the whole {@code body} and answers {@code req} with its CGI answer. */
  private void call(
      HttpServerRequest req, byte[] body, Future<Void> gone, boolean traced, long arrived) {
    long called = traced ? System.nanoTime() : 0;
    Future<WagiResponse> answered = function.handle(toWagi(req, body), gone);
    if (traced) {
      answered = answered.andThen(ar -> trace(arrived, called, ar.succeeded()));
    }
    answered
        .onSuccess(resp -> write(req.response(), resp))
        .onFailure(err -> fail(req.response(), err));
  }

  /** Logs where the instance's first request spent its time in the function. */
  private void trace(long arrived, long called, boolean succeeded) {
    long back = System.nanoTime();
    TRACE.log(
        Level.DEBUG,
        () ->
            String.format(
                Locale.ROOT,
                "wasm %s first request: body read %.3f, function %s in %.3f ms (t0 %d)",
                instanceId,
                (called - arrived) / 1e6,
                succeeded ? "answered" : "failed",
                (back - called) / 1e6,
                arrived));
  }

  private static WagiRequest toWagi(HttpServerRequest req, byte[] body) {
    return toWagi(
        req.method().name(),
        req.path(),
        req.query() == null ? "" : req.query(),
        req.uri(),
        req.headers(),
        body,
        firstNonNull(req.getHeader("X-Forwarded-Host"), req.getHeader("Host"), "localhost"),
        firstNonNull(req.getHeader("X-Forwarded-Proto"), req.scheme(), "http"),
        remoteAddress(req),
        req.version() == io.vertx.core.http.HttpVersion.HTTP_2 ? "HTTP/2.0" : "HTTP/1.1");
  }

  /**
   * A call of the typed entry as a CGI request: what {@link #toWagi(HttpServerRequest, byte[])}
   * makes of a request handed over in process (scheme http, HTTP/1.1, no peer address).
   */
  private static WagiRequest toWagi(Call call) {
    String fromGateway = call.header(SkiffHeaders.CLIENT_ADDRESS);
    String proto = call.header("X-Forwarded-Proto");
    return toWagi(
        call.method(),
        call.path(),
        call.query(),
        call.query().isEmpty() ? call.path() : call.path() + "?" + call.query(),
        call.headers(),
        call.body(),
        firstNonNull(call.header("X-Forwarded-Host"), call.header("Host"), "localhost"),
        proto == null ? "http" : proto,
        fromGateway != null && !fromGateway.isBlank() ? fromGateway.trim() : "",
        "HTTP/1.1");
  }

  private static WagiRequest toWagi(
      String method,
      String path,
      String query,
      String uri,
      Iterable<Map.Entry<String, String>> headers,
      byte[] body,
      String host,
      String proto,
      String remote,
      String protocol) {
    String serverName = host.contains(":") ? host.substring(0, host.lastIndexOf(':')) : host;
    int serverPort =
        host.contains(":")
            ? (int) parseLong(host.substring(host.lastIndexOf(':') + 1))
            : "https".equals(proto) ? 443 : 80;
    WagiRequest.Builder wagi = WagiRequest.builder();
    // One pass over the headers, straight into the request (names differing only in case are
    // joined in the CGI environment, as before).
    for (Map.Entry<String, String> h : headers) {
      if (!h.getKey().equalsIgnoreCase(SkiffHeaders.CLIENT_ADDRESS)) { // REMOTE_ADDR carries it
        wagi.withHeader(h.getKey(), h.getValue());
      }
    }
    return wagi.withMethod(method)
        .withPath(path)
        .withQuery(query)
        .withBody(body)
        .withRemoteAddr(remote)
        .withServer(serverName, serverPort)
        .withProtocol(protocol)
        .withFullUrl(proto + "://" + host + uri)
        .build();
  }

  /**
   * {@code REMOTE_ADDR}: the client address the gateway established ({@link
   * SkiffHeaders#CLIENT_ADDRESS}; the gateway drops any copy a client sends), or else the peer of
   * this loopback connection. Never a client's own {@code X-Forwarded-For}.
   */
  static String remoteAddress(HttpServerRequest req) {
    String fromGateway = req.getHeader(SkiffHeaders.CLIENT_ADDRESS);
    if (fromGateway != null && !fromGateway.isBlank()) {
      return fromGateway.trim();
    }
    return req.remoteAddress() == null ? "" : req.remoteAddress().hostAddress();
  }

  private static void write(HttpServerResponse out, WagiResponse resp) {
    if (out.ended() || out.closed()) {
      return;
    }
    out.setStatusCode(resp.status());
    resp.headers()
        .forEach(
            (name, values) -> {
              if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                out.putHeader(name, values);
              }
            });
    out.end(Buffer.buffer(resp.body()));
  }

  private static void fail(HttpServerResponse out, Throwable err) {
    write(out, WagiResponse.ofFailure(err));
  }

  private static long parseLong(String s) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String firstNonNull(String a, String b, String c) {
    return a != null ? a : b != null ? b : c;
  }
}
