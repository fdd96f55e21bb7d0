package dev.skiff.activator;

import static dev.skiff.proxy.testing.Await.await;

import dev.skiff.proxy.ClientGoneException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

/**
 * A plain loopback server standing in for the gateway of skiffd's one process: it hands every
 * request to {@link Activator#serveInProcess} as {@code caller}, and cancels it when its client
 * leaves before the answer ended.
 */
final class InProcessFront {
  private final HttpServer server;

  private InProcessFront(HttpServer server) {
    this.server = server;
  }

  static InProcessFront start(Vertx vertx, Activator activator, String caller) {
    HttpServer server =
        vertx
            .createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(true))
            .requestHandler(
                request -> {
                  request.pause();
                  Promise<Void> cancellation = Promise.promise();
                  request
                      .response()
                      .closeHandler(
                          v -> {
                            if (!request.response().ended()) {
                              cancellation.tryFail(new ClientGoneException());
                            }
                          });
                  activator
                      .serveInProcess(request, caller, cancellation.future())
                      .onFailure(
                          err -> {
                            if (!request.response().headWritten()) {
                              request.response().setStatusCode(500).end(String.valueOf(err));
                            }
                          });
                });
    await(server.listen(0, "127.0.0.1"));
    return new InProcessFront(server);
  }

  int port() {
    return server.actualPort();
  }

  Future<Void> close() {
    return server.close();
  }
}
