package dev.skiff.gateway.internal;

import dev.skiff.gateway.GatewayException;

/** The client closed the connection or reset the stream before its response was complete. */
final class ClientGoneException extends GatewayException {
  private static final long serialVersionUID = 1L;

  ClientGoneException() {
    super("the client went away before the response was complete", null);
  }
}
