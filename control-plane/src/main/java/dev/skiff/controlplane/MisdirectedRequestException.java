package dev.skiff.controlplane;

/** The {@code Host} header does not name this API (a DNS-rebinding guard). Answered with 421. */
public class MisdirectedRequestException extends ControlPlaneException {
  private static final long serialVersionUID = 1L;

  public MisdirectedRequestException(String message, String hint) {
    super(message, hint);
  }
}
