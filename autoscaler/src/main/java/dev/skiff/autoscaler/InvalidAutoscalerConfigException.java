package dev.skiff.autoscaler;

/** An {@link AutoscalerConfig} value outside what the KPA can work with. */
public final class InvalidAutoscalerConfigException extends AutoscalerException {
  private static final long serialVersionUID = 1L;

  public InvalidAutoscalerConfigException(String message) {
    super(message);
  }
}
