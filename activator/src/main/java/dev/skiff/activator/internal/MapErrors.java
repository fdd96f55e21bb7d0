package dev.skiff.activator.internal;

import dev.skiff.activator.ActivatorException;
import dev.skiff.activator.CapacityUnavailableException;
import dev.skiff.activator.MissingRevisionException;
import dev.skiff.activator.UpstreamFailedException;
import dev.skiff.activator.UpstreamTimeoutException;
import dev.skiff.proxy.ErrorReply;
import dev.skiff.proxy.ErrorResponder;
import io.vertx.core.Future;

/**
 * The one place where a failed exchange becomes an HTTP answer: a status code and a JSON body
 * {@code {error, hint, requestId}}, with {@code Retry-After} on 503 ({@link ErrorResponder}). This
 * class decides the status of each {@link ActivatorException} and records the request's outcome.
 */
final class MapErrors implements Stage {
  private static final ErrorResponder ERRORS = new ErrorResponder("activator", MapErrors::replyTo);

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
              ERRORS.answer(x, err);
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

  /** The answer to one of the activator's own exceptions; null for anything else. */
  private static ErrorReply replyTo(Throwable err) {
    if (!(err instanceof ActivatorException a)) {
      return null;
    }
    return new ErrorReply(
        statusOf(err),
        a.getMessage(),
        a.hint(),
        err instanceof CapacityUnavailableException c ? c.retryAfter() : null);
  }
}
