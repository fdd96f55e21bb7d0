package dev.skiff.oci;

/**
 * A layer's tar tried to write outside its directory (a {@code ..} path, a path through a symlink,
 * a hard link out of the layer) or is otherwise malformed. The image is refused; nothing was kept.
 */
public class UnsafeLayerException extends ImagePullException {
  private static final long serialVersionUID = 1L;

  public UnsafeLayerException(String message) {
    super(message);
  }
}
