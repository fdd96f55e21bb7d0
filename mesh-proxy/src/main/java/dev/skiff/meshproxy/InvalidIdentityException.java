package dev.skiff.meshproxy;

/** A SPIFFE ID, certificate or PEM that cannot be used; the message says which and why. */
public final class InvalidIdentityException extends MeshException {
  private static final long serialVersionUID = 1L;

  public InvalidIdentityException(String message) {
    super(message);
  }

  public InvalidIdentityException(String message, Throwable cause) {
    super(message, cause);
  }
}
