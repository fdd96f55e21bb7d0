package dev.skiff.autoscaler;

/** A {@link Stat} report with a missing field or a negative or non-finite number. */
public final class InvalidStatException extends AutoscalerException {
  private static final long serialVersionUID = 1L;

  public InvalidStatException(String message) {
    super(message);
  }
}
