package dev.skiff.activator;

import java.time.Duration;

/**
 * The request's own timeout passed while it waited in the queue for capacity; nothing was sent to
 * an instance (HTTP 503, Retry-After).
 */
public class QueueTimeoutException extends CapacityUnavailableException {
  private static final long serialVersionUID = 1L;

  public QueueTimeoutException(String message, String hint, Duration retryAfter) {
    super(message, hint, retryAfter);
  }
}
