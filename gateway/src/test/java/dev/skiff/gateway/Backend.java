package dev.skiff.gateway;

import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.proxy.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A small real HTTP server standing in for a function instance. By default it echoes: a request
 * with a body gets that body streamed back; any other gets the backend's name (HEAD: just its
 * length). Every request is recorded.
 */
final class Backend {
  record Seen(String method, String uri, MultiMap headers) {}

  final String name;
  final Queue<Seen> seen = new ConcurrentLinkedQueue<>();
  private final HttpServer server;

  private Backend(String name, HttpServer server) {
    this.name = name;
    this.server = server;
  }

  static Backend echo(Vertx vertx, String name) {
    return start(vertx, name, null);
  }

  /** A backend that records each request, then hands it to {@code handler}. */
  static Backend start(Vertx vertx, String name, Handler<HttpServerRequest> handler) {
    Backend[] self = new Backend[1];
    HttpServer server =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  MultiMap copy = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
                  if (req.authority() != null) {
                    copy.set("host", req.authority().toString());
                  }
                  self[0].seen.add(new Seen(req.method().name(), req.uri(), copy));
                  if (handler != null) {
                    handler.handle(req);
                  } else {
                    echo(name, req);
                  }
                });
    self[0] = new Backend(name, server);
    Await.await(server.listen(0, "127.0.0.1"));
    return self[0];
  }

  private static void echo(String name, HttpServerRequest req) {
    var res = req.response();
    res.putHeader("x-backend", name)
        .putHeader("x-seen-uri", req.uri())
        .putHeader("x-custom", "from-backend")
        .putHeader("keep-alive", "timeout=5")
        .putHeader("connection", "x-private")
        .putHeader("x-private", "hop-only");
    boolean hasBody =
        req.headers().contains("content-length") || req.headers().contains("transfer-encoding");
    if (req.method().name().equals("HEAD")) {
      res.putHeader("content-length", Integer.toString(name.length())).end();
    } else if (hasBody) {
      res.setChunked(true);
      req.pipeTo(res);
    } else {
      res.end(name);
    }
  }

  Endpoint endpoint() {
    return new Endpoint("127.0.0.1", server.actualPort());
  }

  Seen last() {
    Seen last = null;
    for (Seen s : seen) {
      last = s;
    }
    return last;
  }

  Future<Void> close() {
    return server.close();
  }
}
