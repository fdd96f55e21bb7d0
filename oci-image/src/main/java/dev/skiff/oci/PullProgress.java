package dev.skiff.oci;

/**
 * Hears how far a pull has got: bytes of the image's layers on disk so far (resumed parts and
 * layers already in the store count as received) out of the total its manifest's descriptors
 * declare, and how many layers are downloaded and unpacked. {@link ImageStore} calls it from a
 * Vert.x timer at most once per its progress interval (250 ms by default) while something changed,
 * and once more when the pull is done; never when everything was in the store already (nor for
 * layers that another pull of the store is downloading: those count when they are in). It may be
 * called from any thread (but never twice at once for one pull) and must not block.
 */
@FunctionalInterface
public interface PullProgress {
  /** Hears nothing. */
  PullProgress NONE = status -> {};

  void onProgress(Status status);

  /**
   * How far one pull has got.
   *
   * @param reference the reference being pulled
   * @param receivedBytes bytes of layers on disk, never more than {@code totalBytes}
   * @param totalBytes the sum of the layers' sizes from the manifest
   * @param layersDone layers downloaded and unpacked (or found in the store)
   * @param layers the image's layers
   * @param done whether this is the last call: every layer is in
   */
  record Status(
      String reference,
      long receivedBytes,
      long totalBytes,
      int layersDone,
      int layers,
      boolean done) {}
}
