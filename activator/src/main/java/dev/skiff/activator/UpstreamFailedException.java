package dev.skiff.activator;

/**
 * The instance broke the exchange after the request was sent (closed or reset before or during the
 * response), or refused every connection attempt (HTTP 502 when nothing was sent to the client
 * yet).
 */
public class UpstreamFailedException extends ActivatorException {
  private static final long serialVersionUID = 1L;

  public UpstreamFailedException(String message, String hint, Throwable cause) {
    super(message, hint, cause);
  }
}
