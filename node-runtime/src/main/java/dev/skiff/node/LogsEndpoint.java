package dev.skiff.node;

import dev.skiff.api.manifest.Json;
import dev.skiff.api.validation.Durations;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * {@code GET /v1/namespaces/:namespace/services/:service/logs?revision=&tail=&since=&follow=}: the
 * service's log lines as newline-delimited JSON; with {@code follow=true} the answer stays open and
 * new lines stream until the client goes away.
 */
public final class LogsEndpoint implements Handler<RoutingContext> {
  private final LogStore logs;
  private final Clock clock;

  public LogsEndpoint(LogStore logs, Clock clock) {
    this.logs = logs;
    this.clock = clock;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String ns = ctx.pathParam("namespace");
    String service = ctx.pathParam("service");
    String revision = ctx.queryParams().get("revision");
    HttpServerResponse resp = ctx.response();
    Instant since;
    int tail;
    try {
      since = since(ctx.queryParams().get("since"));
      String t = ctx.queryParams().get("tail");
      tail = t == null ? -1 : Integer.parseInt(t);
    } catch (IllegalArgumentException e) {
      String field = e instanceof NumberFormatException ? "tail" : "since";
      resp.setStatusCode(400)
          .putHeader("Content-Type", "application/json")
          .end(
              Json.write(
                  Map.of(
                      "error",
                      field + ": " + e.getMessage(),
                      "hint",
                      "tail is a line count; since is a duration like 5m or an RFC 3339 time")));
      return;
    }
    resp.setChunked(true).putHeader("Content-Type", "application/x-ndjson");
    for (LogLine l : logs.read(ns, service, revision, since, tail)) {
      resp.write(Json.write(l) + "\n");
    }
    if (!"true".equals(ctx.queryParams().get("follow"))) {
      resp.end();
      return;
    }
    var vertxCtx = ctx.vertx().getOrCreateContext();
    Runnable cancel =
        logs.follow(
            ns,
            service,
            l -> {
              if (revision == null || revision.equals(l.revision())) {
                String json = Json.write(l) + "\n";
                vertxCtx.runOnContext(
                    v -> {
                      if (!resp.ended() && !resp.closed()) {
                        resp.write(json);
                      }
                    });
              }
            });
    resp.closeHandler(v -> cancel.run());
    ctx.request().connection().closeHandler(v -> cancel.run());
  }

  private Instant since(String s) {
    if (s == null || s.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      return clock.instant().minus(Durations.parse(s));
    }
  }
}
