package dev.skiff.gateway.internal;

import dev.skiff.gateway.GatewayException;
import dev.skiff.gateway.NoRouteException;
import dev.skiff.gateway.RevisionNotReadyException;
import dev.skiff.gateway.UpstreamFailedException;
import dev.skiff.gateway.UpstreamTimeoutException;
import dev.skiff.proxy.ErrorReply;
import dev.skiff.proxy.ErrorResponder;

/**
 * The gateway's policy for failed exchanges: the status of each {@link GatewayException}, answered
 * by the pipeline's {@link dev.skiff.proxy.MapErrors} stage with a JSON body {@code {error, hint,
 * requestId}}; anything else is a bug and gets 500.
 */
final class GatewayErrors {
  static final ErrorResponder RESPONDER = new ErrorResponder("gateway", GatewayErrors::replyTo);

  private GatewayErrors() {}

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
