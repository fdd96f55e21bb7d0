package dev.skiff.controlplane;

import dev.skiff.api.validation.FieldError;
import java.util.List;

/** The resource parses but breaks a rule; {@link #details()} lists every offending field. */
public class InvalidResourceException extends ControlPlaneException {
  private static final long serialVersionUID = 1L;

  public InvalidResourceException(String message, String hint, List<FieldError> details) {
    super(message, hint, details, null);
  }

  /** A problem with one field. */
  public static InvalidResourceException of(String field, String message, String hint) {
    return new InvalidResourceException(
        "invalid manifest: " + field + ": " + message,
        hint,
        List.of(new FieldError(field, message, hint)));
  }
}
