package dev.skiff.api.model;

/** A stored resource: something with metadata, kept under a key in the store. */
public interface Resource {
  ObjectMeta metadata();

  /** The kind as it appears in manifests and store keys, e.g. {@code Service}. */
  String kind();

  /** A copy of this resource carrying the given metadata. */
  Resource withMetadata(ObjectMeta metadata);
}
