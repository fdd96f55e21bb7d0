package dev.skiff.controlplane;

/** The store failed to read or write durably: an I/O error, a corrupt file, a lost connection. */
public class StoreException extends ControlPlaneException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message, Throwable cause) {
    super(
        message,
        "check the control plane's data directory (disk space, permissions) and logs",
        cause);
  }
}
