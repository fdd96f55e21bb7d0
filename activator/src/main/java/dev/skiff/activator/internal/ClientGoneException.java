package dev.skiff.activator.internal;

import dev.skiff.activator.ActivatorException;

/** The gateway closed the connection or reset the stream before the response was complete. */
final class ClientGoneException extends ActivatorException {
  private static final long serialVersionUID = 1L;

  ClientGoneException() {
    super("the client went away before the response was complete", null, null);
  }
}
