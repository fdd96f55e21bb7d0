package dev.skiff.oci;

/** Root of the OCI image library's unchecked exceptions. */
public class OciException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public OciException(String message) {
    super(message);
  }

  public OciException(String message, Throwable cause) {
    super(message, cause);
  }
}
