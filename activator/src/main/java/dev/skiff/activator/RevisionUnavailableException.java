package dev.skiff.activator;

import java.time.Duration;

/**
 * The revision has no ready instance and cannot get one (its instances failed to start, or its node
 * is full): answered 503 at once, with the reason, instead of after the queue timeout.
 */
public class RevisionUnavailableException extends CapacityUnavailableException {
  private static final long serialVersionUID = 1L;

  public RevisionUnavailableException(String message, String hint, Duration retryAfter) {
    super(message, hint, retryAfter);
  }
}
