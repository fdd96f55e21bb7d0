package dev.skiff.oci.internal;

import dev.skiff.oci.Descriptor;
import dev.skiff.oci.ImagePullException;
import dev.skiff.oci.ImageReference;
import dev.skiff.oci.internal.Manifests.ImageManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Copies one image of an OCI image layout into the blob store: its manifest (or index, with the
 * child manifests the layout holds), config and layers, each checked against its digest and size.
 * Manifests are stored after what they reference. Blocking.
 */
public final class LayoutImport {
  private static final String REF_NAME = "org.opencontainers.image.ref.name";
  private static final int MAX_INDEX_DEPTH = 2;
  private static final long MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

  private LayoutImport() {}

  /**
   * Copies the image {@code ref} selects: the one with its digest when it has one, else the
   * layout's only image, else the one whose {@code org.opencontainers.image.ref.name} is the tag or
   * the whole reference.
   *
   * @return the descriptor of the image's manifest or index
   * @throws ImagePullException when the layout is not one, does not have exactly one such image, or
   *     is incomplete or corrupted
   */
  public static Descriptor copy(BlobStore store, Path layout, ImageReference ref)
      throws IOException {
    Path index = layout.resolve("index.json");
    if (!Files.isRegularFile(layout.resolve("oci-layout")) || !Files.isRegularFile(index)) {
      throw new ImagePullException(
          layout
              + " is not an OCI image layout: it needs an oci-layout"
              + " file and an index.json");
    }
    List<Descriptor> all;
    try {
      all = Manifests.index(Files.readAllBytes(index));
    } catch (ImagePullException e) {
      throw new ImagePullException(index + ": " + e.getMessage(), e);
    }
    Descriptor top = select(layout, ref, all);
    copyManifest(store, layout, top, 0);
    return top;
  }

  private static Descriptor select(Path layout, ImageReference ref, List<Descriptor> all) {
    List<Descriptor> matching;
    String wanted;
    if (ref.digest() != null) {
      matching = all.stream().filter(d -> d.digest().equals(ref.digest())).toList();
      wanted = " with digest " + ref.digest();
    } else if (all.size() == 1) {
      return all.get(0);
    } else {
      matching =
          all.stream()
              .filter(
                  d ->
                      ref.tag().equals(d.annotations().get(REF_NAME))
                          || ref.toString().equals(d.annotations().get(REF_NAME)))
              .toList();
      wanted = " named '" + ref.tag() + "' or '" + ref + "'";
    }
    if (matching.size() != 1) {
      throw new ImagePullException(
          "layout "
              + layout
              + " has "
              + matching.size()
              + " images"
              + wanted
              + " (it has: "
              + all.stream().map(d -> d.annotations().getOrDefault(REF_NAME, d.digest())).toList()
              + "); import one by its tag or digest");
    }
    return matching.get(0);
  }

  private static void copyManifest(BlobStore store, Path layout, Descriptor d, int depth)
      throws IOException {
    byte[] bytes = read(layout, d);
    String type = Manifests.mediaType(null, bytes);
    if (MediaTypes.isIndex(type)) {
      if (depth >= MAX_INDEX_DEPTH) {
        throw new ImagePullException("layout " + layout + ": indexes nest too deeply");
      }
      for (Descriptor child : Manifests.index(bytes)) {
        // A layout may hold only some platforms of an index; prepare names a missing one.
        boolean image =
            MediaTypes.isManifest(child.mediaType()) || MediaTypes.isIndex(child.mediaType());
        if (image && Files.isRegularFile(blob(layout, child))) {
          copyManifest(store, layout, child, depth + 1);
        }
      }
    } else if (MediaTypes.isManifest(type)) {
      ImageManifest m = Manifests.manifest(bytes);
      copyBlob(store, layout, m.config());
      for (Descriptor layer : m.layers()) {
        copyBlob(store, layout, layer);
      }
    } else {
      throw new ImagePullException(
          "layout "
              + layout
              + ": "
              + d.digest()
              + " is a "
              + type
              + ", not an image manifest or index");
    }
    store.put(d.digest(), bytes);
  }

  private static void copyBlob(BlobStore store, Path layout, Descriptor d) throws IOException {
    Path source = present(layout, d);
    long size = Files.size(source);
    if (d.size() >= 0 && size != d.size()) {
      throw corrupted(layout, d, "has " + size + " bytes, not " + d.size());
    }
    String actual = store.copyIn(source, d.digest());
    if (!actual.equals(d.digest())) {
      throw corrupted(layout, d, "hashes to " + actual);
    }
  }

  private static byte[] read(Path layout, Descriptor d) throws IOException {
    Path source = present(layout, d);
    long size = Files.size(source);
    if (size > MAX_MANIFEST_BYTES || (d.size() >= 0 && size != d.size())) {
      throw corrupted(layout, d, "has " + size + " bytes, not " + d.size());
    }
    byte[] bytes = Files.readAllBytes(source);
    String actual = Digests.of(bytes);
    if (!actual.equals(d.digest())) {
      throw corrupted(layout, d, "hashes to " + actual);
    }
    return bytes;
  }

  private static Path present(Path layout, Descriptor d) {
    Path source = blob(layout, d);
    if (!Files.isRegularFile(source)) {
      throw new ImagePullException(
          "layout "
              + layout
              + " is incomplete: it lacks blob "
              + d.digest()
              + " ("
              + d.mediaType()
              + ")");
    }
    return source;
  }

  private static Path blob(Path layout, Descriptor d) {
    return layout.resolve("blobs").resolve("sha256").resolve(Digests.hex(d.digest()));
  }

  private static ImagePullException corrupted(Path layout, Descriptor d, String what) {
    return new ImagePullException(
        "layout "
            + layout
            + " is corrupted: blob "
            + d.digest()
            + " "
            + what
            + "; the image was not imported, write the layout again");
  }
}
