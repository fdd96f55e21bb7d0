package dev.skiff.controlplane.internal.http;

import dev.skiff.api.manifest.Json;
import dev.skiff.controlplane.internal.resources.ResourceFeed;
import dev.skiff.controlplane.spi.Store;
import dev.skiff.controlplane.spi.Watch;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /v1/watch?fromRevision=N}: newline-delimited resource events, chunked, until the
 * client goes away. Without {@code fromRevision} it starts at the current revision (live changes
 * only). A client too slow to keep up is disconnected and resumes from the last revision it read.
 */
final class WatchRoute implements Handler<RoutingContext> {
  private final ResourceFeed feed;
  private final Store store;

  WatchRoute(ResourceFeed feed, Store store) {
    this.feed = feed;
    this.store = store;
  }

  @Override
  public void handle(RoutingContext ctx) {
    ctx.put(RequestMetrics.ROUTE, "/v1/watch");
    Future<Long> from;
    try {
      Long given = Parsing.longParam(ctx.request().getParam("fromRevision"), "fromRevision", null);
      from = given != null ? Future.succeededFuture(given) : store.revision();
    } catch (RuntimeException e) {
      from = Future.failedFuture(e);
    }
    from.onSuccess(rev -> stream(ctx, rev)).onFailure(e -> Replies.failure(ctx, e));
  }

  private void stream(RoutingContext ctx, long from) {
    HttpServerResponse resp = ctx.response();
    Watch[] watch = new Watch[1];
    watch[0] =
        feed.watch(
            from,
            event -> {
              if (resp.closed() || resp.ended()) {
                return;
              }
              resp.write(Json.write(event) + "\n");
              if (resp.writeQueueFull()) {
                watch[0].cancel();
                ctx.request().connection().close();
              }
            });
    // Runs before the first event: the store completes started() first on this context.
    watch[0]
        .started()
        .onSuccess(
            v -> {
              resp.setStatusCode(200)
                  .setChunked(true)
                  .putHeader("Content-Type", "application/x-ndjson");
              resp.writeHead();
            })
        .onFailure(e -> Replies.failure(ctx, e));
    resp.closeHandler(v -> watch[0].cancel());
    watch[0]
        .ended()
        .onComplete(
            ar -> {
              if (resp.headWritten() && !resp.ended() && !resp.closed()) {
                resp.end();
              }
            });
  }
}
