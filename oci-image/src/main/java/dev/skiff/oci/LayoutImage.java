package dev.skiff.oci;

import java.nio.file.Path;
import java.util.List;

/**
 * An image written into an OCI image layout.
 *
 * @param layout the layout directory
 * @param manifest the manifest's descriptor, as listed in {@code index.json}
 * @param diffIds the layers' uncompressed digests, lowest first
 */
public record LayoutImage(
    Path layout,
    String tag,
    Descriptor manifest,
    Descriptor config,
    List<Descriptor> layers,
    List<String> diffIds) {
  public LayoutImage {
    layers = List.copyOf(layers);
    diffIds = List.copyOf(diffIds);
  }

  public String manifestDigest() {
    return manifest.digest();
  }
}
