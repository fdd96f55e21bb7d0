package dev.skiff.meshproxy;

/** The request did not finish within its timeout, queueing included (504). */
public final class RequestTimeoutException extends MeshException {
  private static final long serialVersionUID = 1L;

  public RequestTimeoutException(String message) {
    super(message);
  }
}
