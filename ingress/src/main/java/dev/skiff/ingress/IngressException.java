package dev.skiff.ingress;

/** The root of the ingress's failures. */
public class IngressException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public IngressException(String message, Throwable cause) {
    super(message, cause);
  }
}
