package dev.skiff.activator;

/**
 * Root of the activator's unchecked exceptions. Each subclass names an outcome of a request and
 * carries a hint on how to fix it; the activator maps each to one HTTP status in a single place.
 */
public class ActivatorException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String hint;

  public ActivatorException(String message, String hint, Throwable cause) {
    super(message, cause);
    this.hint = hint;
  }

  /** How to fix the problem; may be null. */
  public String hint() {
    return hint;
  }
}
