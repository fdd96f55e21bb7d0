package dev.skiff.controlplane;

import dev.skiff.api.validation.FieldError;
import java.util.List;

/**
 * The write conflicts with the current state: the resource already exists, the caller's view is
 * stale, or the change would break something that depends on it.
 */
public class ConflictException extends ControlPlaneException {
  private static final long serialVersionUID = 1L;

  public ConflictException(String message, String hint) {
    super(message, hint);
  }

  public ConflictException(String message, String hint, List<FieldError> details) {
    super(message, hint, details, null);
  }
}
