package dev.skiff.gateway.internal;

import dev.skiff.gateway.UpstreamFailedException;

/**
 * No connection to the chosen instance could be made (refused, or none within the connect timeout):
 * the instance received nothing of the request, so another hop may take it. The client sees it as
 * the {@link UpstreamFailedException} it is when no other hop does.
 */
final class NothingSentException extends UpstreamFailedException {
  private static final long serialVersionUID = 1L;

  NothingSentException(String message, String hint, Throwable cause) {
    super(message, hint, cause);
  }
}
