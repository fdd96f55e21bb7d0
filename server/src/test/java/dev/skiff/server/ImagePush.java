package dev.skiff.server;

import dev.skiff.oci.LayoutPusher;
import dev.skiff.oci.PushOptions;
import dev.skiff.oci.RegistryClient;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Pushes an OCI layout the test wrote to a test registry. */
final class ImagePush {
  private ImagePush() {}

  /**
   * Pushes tag {@code 1} of the layout in {@code layout} as {@code image} (registry/name:tag) with
   * the default options; waits up to 60 s and answers what the pusher answers (the digest pushed).
   */
  static String push(Vertx vertx, Path layout, String image) throws Exception {
    return new LayoutPusher(vertx, RegistryClient.builder(vertx).build())
        .push(layout, "1", image, PushOptions.defaults())
        .toCompletionStage()
        .toCompletableFuture()
        .get(60, TimeUnit.SECONDS);
  }
}
