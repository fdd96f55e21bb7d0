package dev.skiff.controlplane;

/** A write whose {@code Content-Type} the API does not take. Answered with 415. */
public class UnsupportedMediaTypeException extends ControlPlaneException {
  private static final long serialVersionUID = 1L;

  public UnsupportedMediaTypeException(String message, String hint) {
    super(message, hint);
  }
}
