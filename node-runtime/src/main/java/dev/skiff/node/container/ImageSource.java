package dev.skiff.node.container;

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
}
