package dev.skiff.controlplane;

/**
 * No credential, or one that is not valid: the request must carry {@code Authorization: Bearer
 * <token>}. Answered with 401.
 */
public class UnauthorizedException extends ControlPlaneException {
  private static final long serialVersionUID = 1L;

  public UnauthorizedException(String message, String hint) {
    super(message, hint);
  }
}
