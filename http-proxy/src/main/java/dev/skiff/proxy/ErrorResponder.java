package dev.skiff.proxy;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToIntFunction;

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

  /**
   * A responder for a component whose exceptions share one root: an exception of type {@code root}
   * is answered with the status {@code statusOf} gives it (the component's policy, the one thing
   * components differ in), its message as {@code error}, {@code hintOf} as {@code hint} and {@code
   * retryAfterOf} (null for none) as {@code Retry-After}; anything else is a bug and gets 500.
   *
   * @param component names the component in the answer to unexpected failures, e.g. {@code gateway}
   */
  public static <E extends RuntimeException> ErrorResponder forExceptions(
      String component,
      Class<E> root,
      ToIntFunction<? super E> statusOf,
      Function<? super E, String> hintOf,
      Function<? super E, Duration> retryAfterOf) {
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(statusOf, "statusOf");
    Objects.requireNonNull(hintOf, "hintOf");
    Objects.requireNonNull(retryAfterOf, "retryAfterOf");
    return new ErrorResponder(
        component,
        err -> {
          if (!root.isInstance(err)) {
            return null;
          }
          E e = root.cast(err);
          return new ErrorReply(
              statusOf.applyAsInt(e), e.getMessage(), hintOf.apply(e), retryAfterOf.apply(e));
        });
  }

  /** Answers {@code x} for {@code err}; call on the request's event loop. */
  public void answer(ProxyExchange x, Throwable err) {
    HttpServerResponse res = x.response();
    HttpServerRequest req = x.request();
    // Let an unread request body drain, so the connection can carry the next request (HTTP/1.1)
    // and the unread bytes do not hold the connection's flow-control window (HTTP/2). On HTTP/2
    // only once the answer is out: Vert.x never sends an answer begun after such a resume.
    boolean h2 = req.version() == HttpVersion.HTTP_2;
    if (!h2) {
      req.resume();
    }
    if (err instanceof ClientGoneException || res.closed() || res.ended()) {
      if (h2) {
        req.resume();
      }
      return;
    }
    if (res.headWritten()) {
      LOG.log(Level.DEBUG, "resetting response of request " + x.requestId() + " mid-body", err);
      res.reset();
      return;
    }
    if (err instanceof BadRequestException bad) {
      refuse(x.request(), bad, x.requestId());
      return;
    }
    ErrorReply reply = replies.apply(err);
    if (reply == null) {
      LOG.log(Level.ERROR, "request " + x.requestId() + " failed unexpectedly", err);
      reply =
          new ErrorReply(
              500,
              "internal " + component + " error", // the log has the details, never the client
              "this is a bug in Skiff's " + component + "; report it with the request id",
              null);
    }
    if (reply.retryAfter() != null) {
      res.putHeader("retry-after", Long.toString(seconds(reply.retryAfter())));
    }
    send(res, reply.status(), reply.error(), reply.hint(), x.requestId())
        .onComplete(
            ar -> {
              if (h2) {
                req.resume();
              }
            });
  }

  /**
   * Answers a request the proxy refuses before (or instead of) serving it, and closes the
   * connection once the answer is out: nothing more read from it can be trusted. Call on the
   * request's event loop.
   */
  public static void refuse(HttpServerRequest request, BadRequestException bad, String requestId) {
    HttpServerResponse res = request.response();
    if (res.closed() || res.ended() || res.headWritten()) {
      request.connection().close();
      return;
    }
    res.putHeader("connection", "close");
    send(res, bad.status(), bad.getMessage(), bad.hint(), requestId)
        .onComplete(ar -> request.connection().close());
  }

  private static Future<Void> send(
      HttpServerResponse res, int status, String error, String hint, String requestId) {
    JsonObject body = new JsonObject().put("error", error);
    if (hint != null) {
      body.put("hint", hint);
    }
    if (requestId != null) {
      body.put("requestId", requestId);
    }
    return res.setStatusCode(status)
        .putHeader("content-type", "application/json")
        .putHeader("cache-control", "no-store")
        .end(body.encode());
  }

  private static long seconds(Duration d) {
    return Math.max(1, (d.toMillis() + 999) / 1000);
  }
}
