package dev.skiff.nodeagent;

/** Root of the node agent link's unchecked exceptions; the message says what to fix. */
public class NodeAgentException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NodeAgentException(String message) {
    super(message);
  }

  public NodeAgentException(String message, Throwable cause) {
    super(message, cause);
  }
}
