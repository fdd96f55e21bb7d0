package dev.skiff.gateway;

/**
 * The instance could not be reached, or broke the exchange: connection refused, closed before a
 * response, reset mid-body (HTTP 502 when nothing was sent to the client yet).
 */
public class UpstreamFailedException extends GatewayException {
  private static final long serialVersionUID = 1L;

  public UpstreamFailedException(String message, String hint, Throwable cause) {
    super(message, hint, cause);
  }
}
