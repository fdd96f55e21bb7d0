package dev.skiff.gateway;

import java.time.Duration;

/**
 * The chosen revision had no ready instance within the wait allowed (HTTP 503 with Retry-After).
 */
public class RevisionNotReadyException extends GatewayException {
  private static final long serialVersionUID = 1L;

  private final Duration retryAfter;

  public RevisionNotReadyException(
      String message, String hint, Duration retryAfter, Throwable cause) {
    super(message, hint, cause);
    this.retryAfter = retryAfter;
  }

  /** When the client may try again. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
