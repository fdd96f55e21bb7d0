package dev.skiff.oci;

/**
 * An image could not be pulled, verified or unpacked; the message names the image and what failed.
 */
public class ImagePullException extends OciException {
  private static final long serialVersionUID = 1L;

  public ImagePullException(String message) {
    super(message);
  }

  public ImagePullException(String message, Throwable cause) {
    super(message, cause);
  }
}
