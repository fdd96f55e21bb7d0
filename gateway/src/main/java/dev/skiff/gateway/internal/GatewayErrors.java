package dev.skiff.gateway.internal;

import dev.skiff.gateway.GatewayException;
import dev.skiff.gateway.NoRouteException;
import dev.skiff.gateway.RevisionNotReadyException;
import dev.skiff.gateway.UpstreamFailedException;
import dev.skiff.gateway.UpstreamTimeoutException;
import dev.skiff.proxy.ErrorResponder;

/**
 * The gateway's policy for failed exchanges: the status of each {@link GatewayException}, answered
 * by the pipeline's {@link dev.skiff.proxy.MapErrors} stage with a JSON body {@code {error, hint,
 * requestId}} and {@code Retry-After} on 503; anything else is a bug and gets 500. The activator's
 * table differs: a Host that names no service is the client's 404 here.
 */
final class GatewayErrors {
  static final ErrorResponder RESPONDER =
      ErrorResponder.forExceptions(
          "gateway",
          GatewayException.class,
          GatewayErrors::statusOf,
          GatewayException::hint,
          e -> e instanceof RevisionNotReadyException r ? r.retryAfter() : null);

  private GatewayErrors() {}

  static int statusOf(GatewayException err) {
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
}
