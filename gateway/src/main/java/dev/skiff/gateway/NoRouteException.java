package dev.skiff.gateway;

/** No service or tag answers to the request's Host (HTTP 404). */
public class NoRouteException extends GatewayException {
  private static final long serialVersionUID = 1L;

  public NoRouteException(String message, String hint) {
    super(message, hint);
  }
}
