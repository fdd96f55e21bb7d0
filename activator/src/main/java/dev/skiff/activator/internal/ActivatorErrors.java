package dev.skiff.activator.internal;

import dev.skiff.activator.ActivatorException;
import dev.skiff.activator.CapacityUnavailableException;
import dev.skiff.activator.MissingRevisionException;
import dev.skiff.activator.UpstreamFailedException;
import dev.skiff.activator.UpstreamTimeoutException;
import dev.skiff.proxy.ErrorReply;
import dev.skiff.proxy.ErrorResponder;

/**
 * The activator's policy for failed exchanges: the status of each {@link ActivatorException},
 * answered by the pipeline's {@link dev.skiff.proxy.MapErrors} stage with a JSON body {@code
 * {error, hint, requestId}} and {@code Retry-After} on 503; anything else is a bug and gets 500.
 */
final class ActivatorErrors {
  static final ErrorResponder RESPONDER = new ErrorResponder("activator", ActivatorErrors::replyTo);

  private ActivatorErrors() {}

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
