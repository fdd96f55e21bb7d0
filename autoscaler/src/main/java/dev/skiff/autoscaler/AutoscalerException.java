package dev.skiff.autoscaler;

/** Root of the unchecked exceptions thrown by the autoscaler module. */
public class AutoscalerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public AutoscalerException(String message) {
    super(message);
  }
}
