package dev.skiff.oci.internal;

/**
 * A registry call failed in a way the caller turns into a pull or push error; carries the status.
 */
public final class RegistryCallException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;

  public RegistryCallException(int status, String message) {
    super(message);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
