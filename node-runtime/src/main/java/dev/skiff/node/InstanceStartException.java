package dev.skiff.node;

/**
 * An instance could not start; {@link #reason()} is a CamelCase reason for the revision's status.
 */
public class InstanceStartException extends NodeException {
  private static final long serialVersionUID = 1L;
  private final String reason;

  public InstanceStartException(String reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}
