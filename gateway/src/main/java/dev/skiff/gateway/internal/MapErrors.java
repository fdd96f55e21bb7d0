package dev.skiff.gateway.internal;

import dev.skiff.gateway.GatewayException;
import dev.skiff.gateway.NoRouteException;
import dev.skiff.gateway.RevisionNotReadyException;
import dev.skiff.gateway.UpstreamFailedException;
import dev.skiff.gateway.UpstreamTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.time.Duration;

/**
 * The one place where a failed exchange becomes an HTTP answer: a status code and a JSON body
 * {@code {error, hint, requestId}}. When the response has already started, the status cannot change,
 * so the client's stream is reset instead (a truncated body must not look complete).
 */
final class MapErrors implements Stage {
  private static final System.Logger LOG = System.getLogger(MapErrors.class.getName());

  private final Stage next;

  MapErrors(Stage next) {
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    return Stage.call(next, x)
        .recover(
            err -> {
              answer(x, err);
              return Future.succeededFuture();
            });
  }

  static int statusOf(Throwable err) {
    if (err instanceof NoRouteException) {
      return 404;
    } else if (err instanceof RevisionNotReadyException) {
      return 503;
    } else if (err instanceof UpstreamFailedException) {
      return 502;
    } else if (err instanceof UpstreamTimeoutException) {
      return 504;
    }
    return 500;
  }

  private static void answer(Exchange x, Throwable err) {
    HttpServerResponse res = x.response();
    // Let an unread request body drain, so an HTTP/1.1 connection can carry the next request.
    x.request().resume();
    if (err instanceof ClientGoneException || res.closed() || res.ended()) {
      return;
    }
    if (res.headWritten()) {
      LOG.log(Level.DEBUG, "resetting response of request " + x.requestId() + " mid-body", err);
      res.reset();
      return;
    }
    int status = statusOf(err);
    JsonObject body = new JsonObject();
    if (err instanceof GatewayException g) {
      body.put("error", g.getMessage());
      if (g.hint() != null) {
        body.put("hint", g.hint());
      }
    } else {
      LOG.log(Level.ERROR, "request " + x.requestId() + " failed unexpectedly", err);
      body.put("error", "internal gateway error: " + err);
      body.put("hint", "this is a bug in Skiff's gateway; report it with the request id");
    }
    body.put("requestId", x.requestId());
    if (err instanceof RevisionNotReadyException r) {
      res.putHeader("retry-after", Long.toString(retryAfterSeconds(r.retryAfter())));
    }
    res.setStatusCode(status)
        .putHeader("content-type", "application/json")
        .putHeader("cache-control", "no-store")
        .end(body.encode());
  }

  private static long retryAfterSeconds(Duration d) {
    return Math.max(1, (d.toMillis() + 999) / 1000);
  }
}
