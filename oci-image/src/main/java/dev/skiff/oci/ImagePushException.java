package dev.skiff.oci;

/** An image could not be pushed to a registry; the message names the image and what failed. */
public class ImagePushException extends OciException {
  private static final long serialVersionUID = 1L;

  public ImagePushException(String message) {
    super(message);
  }

  public ImagePushException(String message, Throwable cause) {
    super(message, cause);
  }
}
