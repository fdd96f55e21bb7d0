package dev.skiff.controlplane;

/** The resource, blob or route does not exist. */
public class NotFoundException extends ControlPlaneException {
  private static final long serialVersionUID = 1L;

  public NotFoundException(String message, String hint) {
    super(message, hint);
  }
}
