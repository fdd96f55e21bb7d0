package dev.skiff.nodeagent;

/**
 * The control plane refused the node for good (a bad bootstrap token, a name its certificate does
 * not carry, a request it will not take): retrying cannot help, an operator must fix something.
 */
public final class RefusedException extends NodeAgentException {
  private static final long serialVersionUID = 1L;

  public RefusedException(String message) {
    super(message);
  }
}
