package dev.skiff.controlplane.internal.http;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** Registers routes whose handlers answer with a {@code Future<Reply>}. */
final class Routes {
  /** A route's work: a reply, or a failure that {@link Replies} maps to an error. */
  @FunctionalInterface
  interface Action {
    Future<Reply> handle(RoutingContext ctx);
  }

  private final Router router;

  Routes(Router router) {
    this.router = router;
  }

  Routes on(HttpMethod method, String path, Action action) {
    router
        .route(method, path)
        .handler(
            ctx -> {
              ctx.put(RequestMetrics.ROUTE, path);
              Future<Reply> reply;
              try {
                reply = action.handle(ctx);
              } catch (RuntimeException e) {
                reply = Future.failedFuture(e);
              }
              reply.onComplete(
                  ar -> {
                    if (ar.succeeded()) {
                      Replies.send(ctx, ar.result());
                    } else {
                      Replies.failure(ctx, ar.cause());
                    }
                  });
            });
    return this;
  }
}
