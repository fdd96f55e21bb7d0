package dev.skiff.gateway;

/** The instance did not finish answering within the route's timeout (HTTP 504). */
public class UpstreamTimeoutException extends GatewayException {
  private static final long serialVersionUID = 1L;

  public UpstreamTimeoutException(String message, String hint) {
    super(message, hint);
  }
}
