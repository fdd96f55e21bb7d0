package dev.skiff.eventing;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * The receiving end, standing where the gateway stands: a real HTTP server on loopback recording
 * every request (Host, headers, body) and answering as the test's handler says.
 */
final class Function implements AutoCloseable {
  record Received(String host, String path, MultiMap headers, String body) {
    String ce(String name) {
      return headers.get("ce-" + name);
    }
  }

  final List<Received> received = new CopyOnWriteArrayList<>();
  private final HttpServer server;
  private volatile BiConsumer<Received, HttpServerRequest> answer =
      (r, req) -> req.response().setStatusCode(202).end();

  private Function(HttpServer server) {
    this.server = server;
  }

  static Function start(Vertx vertx) {
    Function[] f = new Function[1];
    HttpServer server =
        vertx
            .createHttpServer()
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            (Buffer b) -> {
                              Received r =
                                  new Received(
                                      req.authority() == null ? null : req.authority().host(),
                                      req.path(),
                                      MultiMap.caseInsensitiveMultiMap().addAll(req.headers()),
                                      b.toString());
                              f[0].received.add(r);
                              f[0].answer.accept(r, req);
                            }));
    f[0] = new Function(server);
    await(server.listen(0, "127.0.0.1"));
    return f[0];
  }

  void answer(BiConsumer<Received, HttpServerRequest> a) {
    this.answer = a;
  }

  int port() {
    return server.actualPort();
  }

  /** The bodies of the requests answered 2xx by the handler are not known here: all bodies. */
  List<String> bodies() {
    return received.stream().map(Received::body).toList();
  }

  static <T> T await(Future<T> f) {
    return f.toCompletionStage().toCompletableFuture().join();
  }

  @Override
  public void close() {
    await(server.close());
  }
}
