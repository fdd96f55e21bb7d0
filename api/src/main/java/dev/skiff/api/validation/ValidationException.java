package dev.skiff.api.validation;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A manifest or resource that cannot be accepted; carries every problem found, not only the first.
 */
public class ValidationException extends SkiffApiException {
  private static final long serialVersionUID = 1L;

  private final transient List<FieldError> errors;

  public ValidationException(List<FieldError> errors) {
    super(summary(errors));
    this.errors = List.copyOf(errors);
  }

  public static ValidationException of(String field, String message, String hint) {
    return new ValidationException(List.of(new FieldError(field, message, hint)));
  }

  public List<FieldError> errors() {
    return errors;
  }

  private static String summary(List<FieldError> errors) {
    return errors.size() == 1
        ? "invalid manifest: " + errors.get(0)
        : "invalid manifest, "
            + errors.size()
            + " problems: "
            + errors.stream().map(FieldError::toString).collect(Collectors.joining("; "));
  }
}
