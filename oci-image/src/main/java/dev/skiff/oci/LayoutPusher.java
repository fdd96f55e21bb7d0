package dev.skiff.oci;

import dev.skiff.oci.internal.Digests;
import dev.skiff.oci.internal.Manifests;
import dev.skiff.oci.internal.Manifests.ImageManifest;
import dev.skiff.oci.internal.MediaTypes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Pushes an image from an OCI image layout (ours, umoci's, anyone's) to a registry: blobs first (in
 * parallel, skipping those the registry has), then child manifests of an index by digest, then the
 * top manifest under the target's tag. Methods may be called from an event loop.
 */
public final class LayoutPusher {
  private static final String REF_NAME = "org.opencontainers.image.ref.name";

  private final Vertx vertx;
  private final RegistryClient registry;

  public LayoutPusher(Vertx vertx, RegistryClient registry) {
    this.vertx = vertx;
    this.registry = registry;
  }

  /**
   * Pushes the image named {@code tag} in the layout's {@code index.json} (or its only image, when
   * {@code tag} is null) to {@code target}, e.g. {@code 127.0.0.1:5000/hello:v1}.
   *
   * @return the pushed manifest's digest
   */
  public Future<String> push(Path layout, String tag, String target, PushOptions options) {
    ImageReference ref;
    try {
      ref = ImageReference.parse(target);
    } catch (InvalidImageReferenceException e) {
      return Future.failedFuture(e);
    }
    return vertx
        .executeBlocking(() -> find(layout, tag), false)
        .compose(top -> pushManifest(layout, ref, top, options, true))
        .recover(
            err ->
                Future.failedFuture(
                    err instanceof ImagePushException || err instanceof ImagePullException
                        ? err
                        : new ImagePushException(
                            "pushing " + layout + " to " + target + ": " + err.getMessage(), err)));
  }

  private Future<String> pushManifest(
      Path layout, ImageReference ref, Descriptor d, PushOptions options, boolean top) {
    return vertx
        .executeBlocking(() -> read(layout, d), false)
        .compose(
            bytes -> {
              List<Future<?>> children = new ArrayList<>();
              if (MediaTypes.isIndex(d.mediaType())) {
                for (Descriptor child : Manifests.index(bytes)) {
                  children.add(pushManifest(layout, ref, child, options, false));
                }
              } else {
                ImageManifest m = Manifests.manifest(bytes);
                children.add(registry.pushBlob(ref, m.config(), blob(layout, m.config()), options));
                for (Descriptor layer : m.layers()) {
                  children.add(registry.pushBlob(ref, layer, blob(layout, layer), options));
                }
              }
              ImageReference where = top && ref.digest() == null ? ref : ref.withDigest(d.digest());
              return Future.all(children)
                  .compose(v -> registry.pushManifest(where, d.mediaType(), bytes, options));
            });
  }

  private static Descriptor find(Path layout, String tag) throws IOException {
    JsonArray manifests =
        new JsonObject(Files.readString(layout.resolve("index.json")))
            .getJsonArray("manifests", new JsonArray());
    List<Descriptor> all = new ArrayList<>();
    for (int i = 0; i < manifests.size(); i++) {
      all.add(Manifests.descriptor(manifests.getJsonObject(i)));
    }
    List<Descriptor> matching =
        all.stream().filter(d -> tag == null || tag.equals(d.annotations().get(REF_NAME))).toList();
    if (matching.size() != 1) {
      throw new ImagePushException(
          "layout "
              + layout
              + " has "
              + matching.size()
              + " images"
              + (tag == null ? "; name one by tag" : " tagged '" + tag + "'")
              + " (it has: "
              + all.stream().map(d -> d.annotations().getOrDefault(REF_NAME, d.digest())).toList()
              + ")");
    }
    return matching.get(0);
  }

  private static byte[] read(Path layout, Descriptor d) throws IOException {
    byte[] bytes = Files.readAllBytes(blob(layout, d));
    String actual = Digests.of(bytes);
    if (!actual.equals(d.digest())) {
      throw new ImagePushException(
          "layout "
              + layout
              + ": blob "
              + d.digest()
              + " hashes to "
              + actual
              + "; the layout is corrupted");
    }
    return bytes;
  }

  private static Path blob(Path layout, Descriptor d) {
    return layout.resolve("blobs").resolve("sha256").resolve(Digests.hex(d.digest()));
  }
}
