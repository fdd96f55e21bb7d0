package dev.skiff.oci;

import java.nio.file.Path;
import java.util.List;

/**
 * An image ready to run: its layers unpacked as overlayfs lower directories.
 *
 * @param reference the reference as asked for, normalised (registry and tag defaults filled in)
 * @param manifestDigest what the reference resolved to (an index digest when it named an index); a
 *     revision records it and prepares by {@code name@digest} from then on, so tag moves do not
 *     change it
 * @param layers one read-only directory per layer, lowest first; whiteouts are overlayfs whiteouts
 *     (0/0 character devices) and opaque directories carry {@code trusted.overlay.opaque=y}. Pass
 *     them to overlayfs reversed: {@code lowerdir=top:...:bottom}.
 */
public record PreparedImage(
    String reference, String manifestDigest, ImageConfig config, List<Path> layers) {
  public PreparedImage {
    layers = List.copyOf(layers);
  }

  /** {@code registry/repository@digest}: what a revision records so it always runs this content. */
  public String pinnedReference() {
    return ImageReference.parse(reference).withDigest(manifestDigest).toString();
  }
}
