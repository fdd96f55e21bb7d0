package dev.skiff.oci.internal;

import dev.skiff.oci.GcResult;
import dev.skiff.oci.ImagePullException;
import dev.skiff.oci.internal.Manifests.ImageManifest;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Mark and sweep over the blob store: marks what the referenced manifests and indexes reach (child
 * manifests, configs, layer blobs, and the diff ids of unpacked layers), sweeps the rest. The
 * caller guarantees no pull runs meanwhile. Blocking.
 */
public final class Collector {
  private static final System.Logger LOG = System.getLogger(Collector.class.getName());

  private Collector() {}

  /**
   * @param referenced manifest or index digests still in use
   * @param partialsBefore partial downloads last written before this are dropped too
   */
  public static GcResult collect(BlobStore store, Set<String> referenced, Instant partialsBefore)
      throws IOException {
    Set<String> liveBlobs = new HashSet<>();
    Set<String> liveLayers = new HashSet<>();
    mark(store, referenced, liveBlobs, liveLayers);
    int blobs = 0;
    int layers = 0;
    long bytes = 0;
    for (String digest : store.digests()) {
      if (!liveBlobs.contains(digest)) {
        Path p = store.blob(digest);
        bytes += Files.size(p);
        Files.delete(p);
        blobs++;
      }
    }
    for (Path dir : list(store.layersDir())) {
      String name = dir.getFileName().toString();
      if (!liveLayers.contains(name)) {
        // Also clears unpacks a crash interrupted (".<hex>-*"), as none runs now.
        bytes += size(dir);
        LayerUnpacker.deleteTree(dir);
        layers += name.startsWith(".") ? 0 : 1;
      }
    }
    for (Path partial : list(store.ingestDir())) {
      if (Files.getLastModifiedTime(partial).toInstant().isBefore(partialsBefore)) {
        bytes += Files.size(partial);
        Files.delete(partial);
      }
    }
    GcResult result = new GcResult(blobs, layers, bytes);
    LOG.log(Level.DEBUG, () -> "gc: " + result);
    return result;
  }

  private static void mark(
      BlobStore store, Set<String> referenced, Set<String> liveBlobs, Set<String> liveLayers) {
    Deque<String> todo = new ArrayDeque<>(referenced);
    while (!todo.isEmpty()) {
      String digest = todo.pop();
      if (!Digests.isValid(digest) || !liveBlobs.add(digest)) {
        continue;
      }
      byte[] bytes = readQuietly(store, digest);
      if (bytes == null) {
        continue;
      }
      try {
        String type = Manifests.mediaType(null, bytes);
        if (MediaTypes.isIndex(type)) {
          Manifests.index(bytes).forEach(d -> todo.push(d.digest()));
        } else if (MediaTypes.isManifest(type)) {
          ImageManifest m = Manifests.manifest(bytes);
          liveBlobs.add(m.config().digest());
          m.layers().forEach(l -> liveBlobs.add(l.digest()));
          byte[] config = readQuietly(store, m.config().digest());
          if (config != null) {
            Manifests.config(config).diffIds().stream()
                .filter(Digests::isValid)
                .map(Digests::hex)
                .forEach(liveLayers::add);
          }
        }
      } catch (ImagePullException unreadable) {
        LOG.log(
            Level.WARNING,
            "gc: cannot parse referenced blob " + digest + ": " + unreadable.getMessage());
      }
    }
  }

  private static byte[] readQuietly(BlobStore store, String digest) {
    try {
      return store.read(digest);
    } catch (IOException e) {
      LOG.log(Level.WARNING, "gc: " + e.getMessage());
      return null;
    }
  }

  private static long size(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (IOException e) {
                  return 0;
                }
              })
          .sum();
    }
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }
}
