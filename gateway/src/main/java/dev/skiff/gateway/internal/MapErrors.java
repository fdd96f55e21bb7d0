package dev.skiff.gateway.internal;

import dev.skiff.gateway.GatewayException;
import dev.skiff.gateway.NoRouteException;
import dev.skiff.gateway.RevisionNotReadyException;
import dev.skiff.gateway.UpstreamFailedException;
import dev.skiff.gateway.UpstreamTimeoutException;
import dev.skiff.proxy.ErrorReply;
import dev.skiff.proxy.ErrorResponder;
import io.vertx.core.Future;

/**
 * The one place where a failed exchange becomes an HTTP answer: a status code and a JSON body
 * {@code {error, hint, requestId}} ({@link ErrorResponder}). This class decides the status of each
 * {@link GatewayException}; anything else is a bug and gets 500.
 */
final class MapErrors implements Stage {
  private static final ErrorResponder ERRORS = new ErrorResponder("gateway", MapErrors::replyTo);

  private final Stage next;

  MapErrors(Stage next) {
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    return Stage.call(next, x)
        .recover(
            err -> {
              ERRORS.answer(x, err);
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

  /** The answer to one of the gateway's own exceptions; null for anything else. */
  private static ErrorReply replyTo(Throwable err) {
    if (!(err instanceof GatewayException g)) {
      return null;
    }
    return new ErrorReply(
        statusOf(err),
        g.getMessage(),
        g.hint(),
        err instanceof RevisionNotReadyException r ? r.retryAfter() : null);
  }
}
