package dev.skiff.oci;

/**
 * A manifest or index exactly as the registry served it, already checked against its digest.
 *
 * @param bytes the body; the digest is over these bytes, so they are stored and pushed unchanged
 */
public record RawManifest(String digest, String mediaType, byte[] bytes) {
  public RawManifest {
    bytes = bytes.clone();
  }

  @Override
  public byte[] bytes() {
    return bytes.clone();
  }
}
