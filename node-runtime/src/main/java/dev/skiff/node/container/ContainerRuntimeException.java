package dev.skiff.node.container;

import dev.skiff.node.NodeException;

/** A host-side operation of the container backend failed: a runc, ip or nft call, a mount. */
public class ContainerRuntimeException extends NodeException {
  private static final long serialVersionUID = 1L;

  public ContainerRuntimeException(String message) {
    super(message);
  }

  public ContainerRuntimeException(String message, Throwable cause) {
    super(message, cause);
  }
}
