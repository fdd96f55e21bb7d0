package dev.skiff.node.oci;

import dev.skiff.node.NodeException;

/** A string is not an image reference of the form {@code [host[:port]/]repo[:tag][@sha256:hex]}. */
public class InvalidImageReferenceException extends NodeException {
  private static final long serialVersionUID = 1L;

  public InvalidImageReferenceException(String message) {
    super(message);
  }
}
