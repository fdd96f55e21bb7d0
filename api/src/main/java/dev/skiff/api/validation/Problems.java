package dev.skiff.api.validation;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects field errors while a validator walks a resource. Not thread-safe; one per validation.
 */
public final class Problems {
  private final List<FieldError> errors = new ArrayList<>();

  public void add(String field, String message, String hint) {
    errors.add(new FieldError(field, message, hint));
  }

  public boolean isEmpty() {
    return errors.isEmpty();
  }

  public List<FieldError> errors() {
    return List.copyOf(errors);
  }

  /** Throws a {@link ValidationException} carrying every problem, if there is any. */
  public void throwIfAny() {
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
  }
}
