package dev.skiff.activator;

import java.time.Duration;

/** The revision's queue already holds as many requests as allowed (HTTP 503, Retry-After). */
public class RequestQueueFullException extends CapacityUnavailableException {
  private static final long serialVersionUID = 1L;

  public RequestQueueFullException(String message, String hint, Duration retryAfter) {
    super(message, hint, retryAfter);
  }
}
