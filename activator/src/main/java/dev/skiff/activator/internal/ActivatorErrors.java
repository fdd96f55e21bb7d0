package dev.skiff.activator.internal;

import dev.skiff.activator.ActivatorException;
import dev.skiff.activator.CallerNotAllowedException;
import dev.skiff.activator.CapacityUnavailableException;
import dev.skiff.activator.MissingRevisionException;
import dev.skiff.activator.UpstreamFailedException;
import dev.skiff.activator.UpstreamTimeoutException;
import dev.skiff.proxy.ErrorResponder;

/**
 * The activator's policy for failed exchanges: the status of each {@link ActivatorException},
 * answered by the pipeline's {@link dev.skiff.proxy.MapErrors} stage with a JSON body {@code
 * {error, hint, requestId}} and {@code Retry-After} on 503; anything else is a bug and gets 500.
 * The gateway's table differs: here a request that arrives without the revision headers gets 400,
 * and 503 means no capacity came up in time rather than a revision that is not ready.
 */
final class ActivatorErrors {
  static final ErrorResponder RESPONDER =
      ErrorResponder.forExceptions(
          "activator",
          ActivatorException.class,
          ActivatorErrors::statusOf,
          ActivatorException::hint,
          e -> e instanceof CapacityUnavailableException c ? c.retryAfter() : null);

  private ActivatorErrors() {}

  static int statusOf(ActivatorException err) {
    if (err instanceof MissingRevisionException) {
      return 400;
    } else if (err instanceof CallerNotAllowedException) {
      return 403;
    } else if (err instanceof CapacityUnavailableException) {
      return 503;
    } else if (err instanceof UpstreamFailedException) {
      return 502;
    } else if (err instanceof UpstreamTimeoutException) {
      return 504;
    }
    return 500;
  }
}
