package dev.skiff.proxy;

/**
 * The client closed the connection or reset the stream before its response was complete. It cancels
 * the exchange ({@link ProxyExchange#clientGone()}) and is never answered. With {@link
 * BadRequestException} the module's only exceptions: the components' own roots name every other
 * outcome.
 */
public final class ClientGoneException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ClientGoneException() {
    super("the client went away before the response was complete");
  }
}
