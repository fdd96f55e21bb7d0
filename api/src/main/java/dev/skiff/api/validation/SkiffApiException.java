package dev.skiff.api.validation;

/** Root of the unchecked exceptions thrown by the api module. */
public class SkiffApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SkiffApiException(String message) {
    super(message);
  }

  public SkiffApiException(String message, Throwable cause) {
    super(message, cause);
  }
}
