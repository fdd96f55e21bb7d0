package dev.skiff.proxy;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * Turns a failed exchange into an HTTP answer: a status and a JSON body {@code {error, hint,
 * requestId}}, with {@code Retry-After} when the reply has one. The component says what its own
 * exceptions mean; anything else is a bug, logged and answered 500. When the response has already
 * started, the status cannot change, so the stream is reset instead (a truncated body must never
 * look complete). A client that went away gets nothing.
 */
public final class ErrorResponder {
  private static final System.Logger LOG = System.getLogger(ErrorResponder.class.getName());

  private final String component;
  private final Function<Throwable, ErrorReply> replies;

  /**
   * @param component names the component in the answer to unexpected failures, e.g. {@code gateway}
   * @param replies the reply to one of the component's own exceptions; null for any other throwable
   */
  public ErrorResponder(String component, Function<Throwable, ErrorReply> replies) {
    this.component = Objects.requireNonNull(component, "component");
    this.replies = Objects.requireNonNull(replies, "replies");
  }

  /** Answers {@code x} for {@code err}; call on the request's event loop. */
  public void answer(ProxyExchange x, Throwable err) {
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
    ErrorReply reply = replies.apply(err);
    if (reply == null) {
      LOG.log(Level.ERROR, "request " + x.requestId() + " failed unexpectedly", err);
      reply =
          new ErrorReply(
              500,
              "internal " + component + " error: " + err,
              "this is a bug in Skiff's " + component + "; report it with the request id",
              null);
    }
    JsonObject body = new JsonObject().put("error", reply.error());
    if (reply.hint() != null) {
      body.put("hint", reply.hint());
    }
    if (x.requestId() != null) {
      body.put("requestId", x.requestId());
    }
    if (reply.retryAfter() != null) {
      res.putHeader("retry-after", Long.toString(seconds(reply.retryAfter())));
    }
    res.setStatusCode(reply.status())
        .putHeader("content-type", "application/json")
        .putHeader("cache-control", "no-store")
        .end(body.encode());
  }

  private static long seconds(Duration d) {
    return Math.max(1, (d.toMillis() + 999) / 1000);
  }
}
