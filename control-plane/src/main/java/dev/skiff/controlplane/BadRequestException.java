package dev.skiff.controlplane;

import dev.skiff.api.validation.FieldError;
import java.util.List;

/**
 * The request cannot be read: malformed JSON, a field of the wrong type or unknown, a path clash.
 */
public class BadRequestException extends ControlPlaneException {
  private static final long serialVersionUID = 1L;

  public BadRequestException(String message, String hint, List<FieldError> details) {
    super(message, hint, details, null);
  }

  /** A problem with one field. */
  public static BadRequestException of(String field, String message, String hint) {
    return new BadRequestException(
        field + ": " + message, hint, List.of(new FieldError(field, message, hint)));
  }
}
