package dev.skiff.activator;

/**
 * The request does not say which revision it is for: the {@value
 * Activator#REVISION_NAMESPACE_HEADER} and {@value Activator#REVISION_NAME_HEADER} headers are
 * missing or invalid (HTTP 400).
 */
public class MissingRevisionException extends ActivatorException {
  private static final long serialVersionUID = 1L;

  public MissingRevisionException(String message, String hint) {
    super(message, hint, null);
  }
}
