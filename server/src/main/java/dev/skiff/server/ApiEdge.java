package dev.skiff.server;

import dev.skiff.proxy.BadRequestException;
import dev.skiff.proxy.ConnectionGuard;
import dev.skiff.proxy.ErrorResponder;
import dev.skiff.proxy.RequestChecks;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;

/**
 * The API port's edge, the same as the gateway's but with limits of its own: the request checks
 * (framing, Host, control characters in the path) before any route, and the connection guard's view
 * of each request, so its idle timer runs only between requests.
 */
final class ApiEdge {
  private ApiEdge() {}

  /** Puts the checks in front of every route of {@code router}. */
  static void install(Router router, ConnectionGuard guard) {
    router
        .route()
        .order(Integer.MIN_VALUE)
        .handler(
            ctx -> {
              HttpServerRequest req = ctx.request();
              if (guard.condemned(req)) {
                req.connection().close(); // read behind a refused request: never served
                return;
              }
              String problem = RequestChecks.problem(req);
              if (problem != null) {
                guard.condemn(req);
                ErrorResponder.refuse(
                    req,
                    new BadRequestException(
                        400, problem, "send a well-formed HTTP request (RFC 9110, RFC 9112)", null),
                    null);
                return;
              }
              guard.requestStarted(req);
              ctx.addEndHandler(ar -> guard.requestEnded(req));
              ctx.next();
            });
  }
}
