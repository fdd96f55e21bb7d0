package dev.skiff.controlplane;

import dev.skiff.api.validation.FieldError;
import java.util.List;

/**
 * Root of the control plane's unchecked exceptions. Subclasses name the outcome; the REST layer
 * maps each outcome to one HTTP status in a single place. Every instance says what was wrong
 * ({@link #getMessage()}), may list field problems ({@link #details()}) and says how to fix it
 * ({@link #hint()}).
 */
public class ControlPlaneException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String hint;
  private final transient List<FieldError> details;

  public ControlPlaneException(String message, String hint) {
    this(message, hint, List.of(), null);
  }

  public ControlPlaneException(String message, String hint, Throwable cause) {
    this(message, hint, List.of(), cause);
  }

  public ControlPlaneException(
      String message, String hint, List<FieldError> details, Throwable cause) {
    super(message, cause);
    this.hint = hint;
    this.details = List.copyOf(details);
  }

  /** How to fix the problem; may be null. */
  public String hint() {
    return hint;
  }

  /** The offending fields, if the problem is about fields; otherwise empty. */
  public List<FieldError> details() {
    return details;
  }
}
