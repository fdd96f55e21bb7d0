package dev.skiff.activator.internal;

import dev.skiff.activator.ActivatorException;
import dev.skiff.activator.CapacityUnavailableException;
import dev.skiff.activator.MissingRevisionException;
import dev.skiff.activator.UpstreamFailedException;
import dev.skiff.activator.UpstreamTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.time.Duration;

/**
 * The one place where a failed exchange becomes an HTTP answer: a status code and a JSON body {@code
 * {error, hint, requestId}}, with {@code Retry-After} on 503. When the response has already started,
 * the stream is reset instead, so a truncated body never looks complete.
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
              x.outcome(Outcome.of(err));
              answer(x, err);
              return Future.succeededFuture();
            });
  }

  static int statusOf(Throwable err) {
    if (err instanceof MissingRevisionException) {
      return 400;
    } else if (err instanceof CapacityUnavailableException) {
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
    JsonObject body = new JsonObject();
    if (err instanceof ActivatorException a) {
      body.put("error", a.getMessage());
      if (a.hint() != null) {
        body.put("hint", a.hint());
      }
    } else {
      LOG.log(Level.ERROR, "request " + x.requestId() + " failed unexpectedly", err);
      body.put("error", "internal activator error: " + err);
      body.put("hint", "this is a bug in Skiff's activator; report it with the request id");
    }
    if (x.requestId() != null) {
      body.put("requestId", x.requestId());
    }
    if (err instanceof CapacityUnavailableException c) {
      res.putHeader("retry-after", Long.toString(retryAfterSeconds(c.retryAfter())));
    }
    res.setStatusCode(statusOf(err))
        .putHeader("content-type", "application/json")
        .putHeader("cache-control", "no-store")
        .end(body.encode());
  }

  private static long retryAfterSeconds(Duration d) {
    return Math.max(1, (d.toMillis() + 999) / 1000);
  }
}
