package dev.skiff.gateway;

/**
 * Root of the gateway's unchecked exceptions. Each subclass names an outcome of a request, and
 * carries a hint that tells the caller how to fix it; the gateway maps each to one HTTP status in a
 * single place.
 */
public class GatewayException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String hint;

  public GatewayException(String message, String hint) {
    this(message, hint, null);
  }

  public GatewayException(String message, String hint, Throwable cause) {
    super(message, cause);
    this.hint = hint;
  }

  /** How to fix the problem; may be null. */
  public String hint() {
    return hint;
  }
}
