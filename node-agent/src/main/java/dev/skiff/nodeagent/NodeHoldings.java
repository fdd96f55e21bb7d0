package dev.skiff.nodeagent;

import dev.skiff.node.container.ContainerImage;
import dev.skiff.node.container.ImageSource;
import dev.skiff.node.spi.StartProgress;
import io.vertx.core.Future;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the node holds, for placement's preference (sent with registration and every heartbeat): the
 * images it prepared since the agent started (as revisions name them: an image source wrapped with
 * {@link #images}) and the Wasm modules in its cache ({@link RemoteModules#held}). Answers from
 * memory. Thread-safe.
 */
public final class NodeHoldings {
  private final Set<String> images = ConcurrentHashMap.newKeySet();
  private volatile RemoteModules modules;

  /** The node's module cache, once it exists (the image source is made before the link). */
  public void modules(RemoteModules m) {
    this.modules = Objects.requireNonNull(m);
  }

  /** {@code inner}, remembering each reference it prepared. */
  public ImageSource images(ImageSource inner) {
    Objects.requireNonNull(inner);
    return new ImageSource() {
      @Override
      public Future<ContainerImage> image(String reference) {
        return inner.image(reference).onSuccess(i -> held(reference, i));
      }

      @Override
      public Future<ContainerImage> image(String reference, StartProgress progress) {
        return inner.image(reference, progress).onSuccess(i -> held(reference, i));
      }
    };
  }

  /**
   * The reference as asked (a tag, before the revision's digest is known) and pinned to the digest
   * the node got ({@code repository@sha256:...}, as nodes ask once the revision records it), so
   * placement finds the node by either.
   */
  private void held(String reference, ContainerImage image) {
    images.add(reference);
    if (image.digest() != null) {
      images.add(pinned(reference, image.digest()));
    }
  }

  /** {@code reference}'s repository at {@code digest}. */
  public static String pinned(String reference, String digest) {
    String repository = reference;
    int at = repository.indexOf('@');
    if (at >= 0) {
      repository = repository.substring(0, at);
    } else {
      int slash = repository.lastIndexOf('/');
      int colon = repository.lastIndexOf(':');
      if (colon > slash) {
        repository = repository.substring(0, colon);
      }
    }
    return repository + "@" + digest;
  }

  /** Image references and module digests held now. */
  public Set<String> held() {
    Set<String> all = new HashSet<>(images);
    RemoteModules m = modules;
    if (m != null) {
      all.addAll(m.held());
    }
    return all;
  }
}
