package dev.skiff.node;

/** Root of the node runtime's unchecked exceptions. */
public class NodeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NodeException(String message) {
    super(message);
  }

  public NodeException(String message, Throwable cause) {
    super(message, cause);
  }
}
