package dev.skiff.activator;

/**
 * The caller's certificate names an identity that may not call the activator: only the gateway and
 * eventing may (HTTP 403).
 */
public class CallerNotAllowedException extends ActivatorException {
  private static final long serialVersionUID = 1L;

  public CallerNotAllowedException(String message, String hint) {
    super(message, hint, null);
  }
}
