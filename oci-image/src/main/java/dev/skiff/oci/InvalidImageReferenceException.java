package dev.skiff.oci;

/** A string is not an image reference of the form {@code [host[:port]/]repo[:tag][@sha256:hex]}. */
public class InvalidImageReferenceException extends OciException {
  private static final long serialVersionUID = 1L;

  public InvalidImageReferenceException(String message) {
    super(message);
  }
}
