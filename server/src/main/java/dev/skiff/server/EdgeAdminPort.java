package dev.skiff.server;

import dev.skiff.controlplane.SlicedBody;
import dev.skiff.proxy.ConnectionGuard;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * An edge's admin port, where the control plane serves its API: {@code GET /healthz} and {@code GET
 * /metrics} (Prometheus text, the edge's gateway, activator and mesh meters) and nothing else, in
 * plain HTTP without a token (an edge holds no API tokens), behind the API port's request checks
 * and connection caps. It opens once the edge serves, so {@code /healthz} answering means ready.
 */
final class EdgeAdminPort {
  private EdgeAdminPort() {}

  /** Listens on {@code host:port} (0: any free port); answers the server. */
  static Future<HttpServer> start(
      Vertx vertx, PrometheusMeterRegistry metrics, ConnectionGuard guard, String host, int port) {
    Router router = Router.router(vertx);
    ApiEdge.install(router, guard);
    router.get("/healthz").handler(ctx -> ctx.json(new JsonObject().put("status", "ok")));
    router
        .get("/metrics")
        .handler(
            ctx ->
                SlicedBody.end(
                    ctx.response()
                        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8"),
                    ctx.request().version(),
                    Buffer.buffer(metrics.scrape())));
    return vertx
        .createHttpServer(guard.apply(new HttpServerOptions()))
        .connectionHandler(guard::connected)
        .requestHandler(router)
        .listen(port, host)
        .onSuccess(s -> guard.listening(s.actualPort()));
  }
}
