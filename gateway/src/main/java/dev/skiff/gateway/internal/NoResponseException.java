package dev.skiff.gateway.internal;

import dev.skiff.gateway.UpstreamFailedException;

/**
 * The request went to the instance, but the connection broke (reset, closed, or found dead) before
 * a response head came back: the client has been sent nothing, and an idempotent request without a
 * body may go to another instance.
 */
final class NoResponseException extends UpstreamFailedException {
  private static final long serialVersionUID = 1L;

  NoResponseException(String message, String hint, Throwable cause) {
    super(message, hint, cause);
  }
}
