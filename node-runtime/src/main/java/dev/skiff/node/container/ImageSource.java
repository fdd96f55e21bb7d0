package dev.skiff.node.container;

import dev.skiff.node.spi.StartProgress;
import io.vertx.core.Future;

/**
 * Where the container backend gets an image's unpacked layers and config: the node's image store.
 * Called from an event loop; must not block.
 */
@FunctionalInterface
public interface ImageSource {
  /**
   * Pulls and unpacks {@code reference} if needed; fails with the reason it cannot (the backend
   * reports it as {@code ImagePullFailed}).
   */
  Future<ContainerImage> image(String reference);

  /**
   * {@link #image(String)}, telling {@code progress} how far the pull has got while it downloads
   * (statuses without a digest, from any thread, a few times a second at most; nothing when the
   * image is on the node already). The backend reports the end itself. By default the source
   * reports nothing.
   */
  default Future<ContainerImage> image(String reference, StartProgress progress) {
    return image(reference);
  }
}
