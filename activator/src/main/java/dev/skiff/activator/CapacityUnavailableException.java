package dev.skiff.activator;

import java.time.Duration;

/**
 * The request could not be given capacity: answered 503 with {@code Retry-After}. The activator
 * answers 503 only for the reasons its subclasses name (a full queue, a queue wait that ran out, a
 * revision that cannot start), never because a scale event is under way.
 */
public abstract class CapacityUnavailableException extends ActivatorException {
  private static final long serialVersionUID = 1L;

  private final Duration retryAfter;

  protected CapacityUnavailableException(String message, String hint, Duration retryAfter) {
    super(message, hint, null);
    this.retryAfter = retryAfter;
  }

  /** When the client may try again. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
