package dev.skiff.controlplane;

/**
 * The request was refused: its token may not do this, or it came from a browser page of another
 * origin. Answered with 403.
 */
public class ForbiddenException extends ControlPlaneException {
  private static final long serialVersionUID = 1L;

  public ForbiddenException(String message, String hint) {
    super(message, hint);
  }
}
