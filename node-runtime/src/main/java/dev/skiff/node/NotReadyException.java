package dev.skiff.node;

/** A revision got no ready instance within the time a caller was willing to wait. */
public class NotReadyException extends NodeException {
  private static final long serialVersionUID = 1L;

  public NotReadyException(String message) {
    super(message);
  }
}
