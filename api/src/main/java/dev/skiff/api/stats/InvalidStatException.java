package dev.skiff.api.stats;

/** A {@link Stat} report with a missing field or a negative or non-finite number. */
public final class InvalidStatException extends dev.skiff.api.validation.SkiffApiException {
  private static final long serialVersionUID = 1L;

  public InvalidStatException(String message) {
    super(message);
  }
}
