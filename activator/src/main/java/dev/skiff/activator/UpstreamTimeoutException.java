package dev.skiff.activator;

/**
 * The request's timeout passed after it was forwarded, before the instance finished answering (HTTP
 * 504, or a reset when the response had already started).
 */
public class UpstreamTimeoutException extends ActivatorException {
  private static final long serialVersionUID = 1L;

  public UpstreamTimeoutException(String message, String hint) {
    super(message, hint, null);
  }
}
