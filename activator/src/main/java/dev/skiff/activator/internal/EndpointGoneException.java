package dev.skiff.activator.internal;

import dev.skiff.activator.ActivatorException;

/**
 * The request's endpoint vanished, or refused the connection, before anything was sent: the request
 * may safely go back to the head of the queue. Never reaches the client.
 */
final class EndpointGoneException extends ActivatorException {
  private static final long serialVersionUID = 1L;

  private final boolean refused;

  EndpointGoneException(String message, boolean refused, Throwable cause) {
    super(message, null, cause);
    this.refused = refused;
  }

  /** True when the endpoint was still listed but the connection failed. */
  boolean refused() {
    return refused;
  }
}
