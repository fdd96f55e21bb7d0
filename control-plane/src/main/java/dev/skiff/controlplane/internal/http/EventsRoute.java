package dev.skiff.controlplane.internal.http;

import dev.skiff.api.event.Event;
import dev.skiff.api.manifest.Json;
import dev.skiff.controlplane.BadRequestException;
import dev.skiff.controlplane.events.EventLog;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/events[?namespace=NS]} and {@code GET /v1/namespaces/NS/events}, each with {@code
 * object=NAME} (that object or anything of that service) and {@code watch=true}: the kept events,
 * oldest first, as {@code {"items":[...]}}; with {@code watch=true} as newline-delimited JSON, the
 * kept ones first, then every new one until the client goes away. A watcher too slow to keep up is
 * disconnected.
 */
final class EventsRoute implements Handler<RoutingContext> {
  private static final int MAX_PARAM = 253;
  private final EventLog log;

  EventsRoute(EventLog log) {
    this.log = log;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String route = ctx.pathParam("namespace") == null ? "/v1/events" : "/v1/namespaces/:ns/events";
    ctx.put(RequestMetrics.ROUTE, route);
    String namespace;
    String object;
    boolean watch;
    try {
      namespace =
          ctx.pathParam("namespace") != null ? ctx.pathParam("namespace") : param(ctx, "namespace");
      object = param(ctx, "object");
      watch = watchParam(ctx.request().getParam("watch"));
    } catch (BadRequestException e) {
      Replies.failure(ctx, e);
      return;
    }
    if (!watch) {
      Replies.send(ctx, Reply.ok(Map.of("items", log.list(namespace, object))));
      return;
    }
    stream(ctx, namespace, object);
  }

  private void stream(RoutingContext ctx, String namespace, String object) {
    HttpServerResponse resp = ctx.response();
    resp.setStatusCode(200).setChunked(true).putHeader("Content-Type", "application/x-ndjson");
    Context context = ctx.vertx().getOrCreateContext();
    EventLog.Subscription[] sub = new EventLog.Subscription[1];
    sub[0] =
        log.subscribe(
            namespace,
            object,
            task -> context.runOnContext(v -> task.run()),
            event -> write(ctx, sub[0], List.of(event)));
    resp.closeHandler(v -> sub[0].cancel().run());
    write(ctx, sub[0], sub[0].current());
    if (sub[0].current().isEmpty()) {
      resp.writeHead();
    }
  }

  private static void write(RoutingContext ctx, EventLog.Subscription sub, List<Event> events) {
    HttpServerResponse resp = ctx.response();
    if (resp.closed() || resp.ended()) {
      sub.cancel().run();
      return;
    }
    for (Event e : events) {
      resp.write(Json.write(e) + "\n");
    }
    if (resp.writeQueueFull()) {
      sub.cancel().run();
      ctx.request().connection().close();
    }
  }

  private static String param(RoutingContext ctx, String name) {
    String v = ctx.request().getParam(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    if (v.length() > MAX_PARAM) {
      throw BadRequestException.of(
          name,
          "is " + v.length() + " characters long, longer than any name (" + MAX_PARAM + ")",
          "give a namespace, service, revision or instance name");
    }
    return v;
  }

  private static boolean watchParam(String v) {
    if (v == null || v.equals("false")) {
      return false;
    }
    if (v.equals("true")) {
      return true;
    }
    throw BadRequestException.of(
        "watch", "must be true or false, got '" + v + "'", "use watch=true to follow new events");
  }
}
