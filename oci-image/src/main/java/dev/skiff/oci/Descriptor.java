package dev.skiff.oci;

import java.util.Map;
import java.util.Objects;

/**
 * An OCI content descriptor: what a manifest or index says about one blob.
 *
 * @param platform set on image index entries, else null
 */
public record Descriptor(
    String mediaType,
    String digest,
    long size,
    Platform platform,
    Map<String, String> annotations) {
  public Descriptor {
    Objects.requireNonNull(mediaType, "mediaType");
    Objects.requireNonNull(digest, "digest");
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
  }

  public Descriptor(String mediaType, String digest, long size) {
    this(mediaType, digest, size, null, Map.of());
  }
}
