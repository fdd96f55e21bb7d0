package dev.skiff.server;

import dev.skiff.node.container.ContainerImage;
import dev.skiff.node.container.ImageSource;
import dev.skiff.node.spi.StartProgress;
import dev.skiff.oci.ImageStore;
import dev.skiff.oci.PreparedImage;
import dev.skiff.oci.PullOptions;
import dev.skiff.oci.PullProgress;
import io.vertx.core.Future;

/**
 * The container backend's images from the node's image store, with the store's pull progress (bytes
 * of the layers, layers done) passed on as the start's progress.
 */
final class ImageStoreSource implements ImageSource {
  private final ImageStore images;

  ImageStoreSource(ImageStore images) {
    this.images = images;
  }

  @Override
  public Future<ContainerImage> image(String reference) {
    return image(reference, StartProgress.NONE);
  }

  @Override
  public Future<ContainerImage> image(String reference, StartProgress progress) {
    PullProgress pulling =
        progress == StartProgress.NONE
            ? PullProgress.NONE
            : s ->
                progress.onPull(
                    new StartProgress.ImagePull(
                        s.reference(),
                        s.receivedBytes(),
                        s.totalBytes(),
                        s.layersDone(),
                        s.layers(),
                        null,
                        null));
    return images
        .prepare(reference, PullOptions.defaults(), pulling)
        .map(ImageStoreSource::containerImage);
  }

  static ContainerImage containerImage(PreparedImage p) {
    return new ContainerImage(
        p.reference(),
        p.manifestDigest(),
        p.layers(),
        p.config().entrypoint(),
        p.config().cmd(),
        p.config().env(),
        p.config().workingDir(),
        p.config().user());
  }
}
