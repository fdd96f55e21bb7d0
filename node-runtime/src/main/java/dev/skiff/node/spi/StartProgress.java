package dev.skiff.node.spi;

import java.time.Duration;
import java.util.Locale;

/**
 * Hears how an instance's start is going before it runs: today, the pull of its image. A backend
 * calls it from any thread, at most a few times a second while bytes arrive and once when the pull
 * is done (never when the image was on the node already); it must not block.
 */
@FunctionalInterface
public interface StartProgress {
  /** Hears nothing. */
  StartProgress NONE = pull -> {};

  void onPull(ImagePull pull);

  /**
   * How far the pull of an instance's image has got.
   *
   * @param image the image reference being pulled
   * @param receivedBytes layer bytes on the node so far
   * @param totalBytes the layers' total size from the image's manifest
   * @param layersDone layers downloaded and unpacked
   * @param layers the image's layers
   * @param digest the manifest digest once pulled, else null
   * @param took how long the pull took once pulled, else null
   */
  record ImagePull(
      String image,
      long receivedBytes,
      long totalBytes,
      int layersDone,
      int layers,
      String digest,
      Duration took) {

    /** Whether the image is pulled ({@code took} is set). */
    public boolean done() {
      return took != null;
    }

    /** This status once the pull ended: {@code digest}, after {@code took}. */
    public ImagePull pulled(String manifestDigest, Duration elapsed) {
      return new ImagePull(
          image, receivedBytes, totalBytes, layersDone, layers, manifestDigest, elapsed);
    }

    /**
     * For a person: {@code pulling IMAGE: 12.3 MiB of 45.6 MiB (3 of 5 layers)}, or {@code pulled
     * IMAGE (DIGEST): 45.6 MiB, 5 layers in 3.2 s}.
     */
    public String message() {
      if (done()) {
        return String.format(
            Locale.ROOT,
            "pulled %s (%s): %s, %d layer%s in %.1f s",
            image,
            digest,
            bytes(totalBytes),
            layers,
            layers == 1 ? "" : "s",
            took.toMillis() / 1000.0);
      }
      return String.format(
          Locale.ROOT,
          "pulling %s: %s of %s (%d of %d layers)",
          image,
          bytes(receivedBytes),
          bytes(totalBytes),
          layersDone,
          layers);
    }

    /** Bytes as a person reads them: {@code 512 B}, {@code 12.3 KiB}, {@code 45.6 MiB}. */
    static String bytes(long n) {
      if (n < 1024) {
        return n + " B";
      }
      String[] units = {"KiB", "MiB", "GiB", "TiB"};
      double v = n;
      int u = -1;
      while (v >= 1024 && u < units.length - 1) {
        v /= 1024;
        u++;
      }
      return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
  }
}
