package dev.skiff.node.container.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLong;
import dev.skiff.node.container.ContainerRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Overlayfs mounts of image layers, through mount(2). Blocking; call off the event loop. */
public final class Overlay {
  // The kernel copies at most one page of mount options.
  private static final int MAX_OPTIONS = 4095;

  private Overlay() {}

  /**
   * Mounts {@code layers} (lowest first, read-only) under a writable {@code upper} at {@code
   * target}. All directories must exist; {@code work} must be empty and on the same filesystem as
   * {@code upper}.
   */
  public static void mount(List<Path> layers, Path upper, Path work, Path target) {
    List<String> lower = new ArrayList<>();
    // overlayfs lists lower directories topmost first; images list layers bottom first.
    for (int i = layers.size() - 1; i >= 0; i--) {
      lower.add(checked(layers.get(i)));
    }
    String options =
        "lowerdir="
            + String.join(":", lower)
            + ",upperdir="
            + checked(upper)
            + ",workdir="
            + checked(work);
    if (options.length() > MAX_OPTIONS) {
      throw new ContainerRuntimeException(
          "the image has too many layers ("
              + layers.size()
              + ") for one overlay mount: the options"
              + " take "
              + options.length()
              + " bytes, the kernel accepts "
              + MAX_OPTIONS
              + "; shorten the data directory path or squash the image");
    }
    try {
      LibC.INSTANCE.mount("overlay", target.toString(), "overlay", new NativeLong(0), options);
    } catch (LastErrorException e) {
      throw new ContainerRuntimeException(
          "cannot mount the overlay rootfs at "
              + target
              + " (errno "
              + e.getErrorCode()
              + "): "
              + e.getMessage()
              + "; the layers must be directories on a filesystem overlayfs accepts",
          e);
    }
  }

  /** Unmounts {@code target}, lazily if it is busy; a target that is not mounted is fine. */
  public static void unmount(Path target) {
    try {
      LibC.INSTANCE.umount2(target.toString(), 0);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == LibC.EINVAL || e.getErrorCode() == LibC.ENOENT) {
        return;
      }
      try {
        LibC.INSTANCE.umount2(target.toString(), LibC.MNT_DETACH);
      } catch (LastErrorException e2) {
        if (e2.getErrorCode() != LibC.EINVAL && e2.getErrorCode() != LibC.ENOENT) {
          throw new ContainerRuntimeException(
              "cannot unmount " + target + " (errno " + e2.getErrorCode() + ")", e2);
        }
      }
    }
  }

  private static String checked(Path p) {
    String s = p.toAbsolutePath().toString();
    if (s.contains(":") || s.contains(",")) {
      throw new ContainerRuntimeException(
          "path " + s + " contains ':' or ',', which overlayfs options cannot carry");
    }
    return s;
  }
}
