package dev.skiff.wasm.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Resolves a guest path inside a mount root the way a chroot would, but refusing instead of
 * clamping: every component is looked at without following it ({@code lstat}), a symbolic link is
 * expanded by hand and its target resolved against the link's own directory, and a {@code ..} above
 * the root, an absolute path or an absolute link target is an escape. The result names only real
 * directories up to its last component, so the host call that uses it follows no link.
 */
final class MountPaths {
  /** WASI errno values (wasi_snapshot_preview1 witx). */
  static final int EINVAL = 28;

  static final int EIO = 29;
  static final int ELOOP = 32;
  static final int ENOENT = 44;
  static final int EPERM = 63;
  static final int ENOTCAPABLE = 76;

  /** Links expanded per lookup before ELOOP, as Linux's MAXSYMLINKS. */
  private static final int MAX_LINKS = 40;

  private final Path root;

  /** {@code root} must be a real path (no links in it); it is the boundary. */
  MountPaths(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  /** Thrown with the WASI errno the guest gets; no stack trace, it is an answer, not a bug. */
  static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int errno;

    Refused(int errno) {
      super("errno " + errno, null, false, false);
      this.errno = errno;
    }
  }

  /**
   * Resolves {@code guestPath} relative to {@code base} (a root-relative directory, "" for the
   * root) and answers the root-relative result ("." for the root), with a trailing "/" kept.
   *
   * @param followLast whether a link in the last component is followed (WASI
   *     LOOKUP_SYMLINK_FOLLOW); intermediate links are always followed, inside the root only
   * @throws Refused with ENOTCAPABLE for an escape, ELOOP, EINVAL, ENOENT or EIO
   */
  String resolve(String base, String guestPath, boolean followLast) {
    if (guestPath.isEmpty()) {
      throw new Refused(ENOENT);
    }
    if (guestPath.indexOf('\0') >= 0) {
      throw new Refused(EINVAL);
    }
    if (guestPath.startsWith("/")) {
      throw new Refused(ENOTCAPABLE);
    }
    boolean trailingSlash = guestPath.endsWith("/");
    List<String> done = new ArrayList<>(components(base));
    Deque<String> pending = new ArrayDeque<>(components(guestPath));
    int links = 0;
    while (!pending.isEmpty()) {
      String name = pending.removeFirst();
      if (name.equals("..")) {
        if (done.isEmpty()) {
          throw new Refused(ENOTCAPABLE);
        }
        done.remove(done.size() - 1);
        continue;
      }
      boolean last = pending.isEmpty();
      if (last && !followLast && !trailingSlash) {
        done.add(name);
        break;
      }
      Path candidate = host(done).resolve(name);
      if (!Files.isSymbolicLink(candidate)) {
        done.add(name);
        continue;
      }
      if (++links > MAX_LINKS) {
        throw new Refused(ELOOP);
      }
      String target = readLink(candidate);
      if (target.startsWith("/")) {
        throw new Refused(ENOTCAPABLE);
      }
      List<String> expanded = components(target);
      for (int i = expanded.size() - 1; i >= 0; i--) {
        pending.addFirst(expanded.get(i));
      }
    }
    String joined = String.join("/", done);
    if (joined.isEmpty()) {
      return ".";
    }
    return trailingSlash ? joined + "/" : joined;
  }

  /** The host path of a root-relative path this class produced. */
  Path host(String relative) {
    return root.resolve(relative);
  }

  private Path host(List<String> relative) {
    Path p = root;
    for (String name : relative) {
      p = p.resolve(name);
    }
    return p;
  }

  /**
   * Whether a link target stays below the link's own directory wherever the link is moved: relative
   * and without {@code ..}. The only links a guest may create, rename or hard-link.
   */
  static boolean isDownward(String target) {
    return !target.isEmpty()
        && !target.startsWith("/")
        && target.indexOf('\0') < 0
        && !components(target).contains("..");
  }

  private static String readLink(Path link) {
    try {
      return Files.readSymbolicLink(link).toString();
    } catch (NoSuchFileException e) {
      throw new Refused(ENOENT);
    } catch (IOException e) {
      throw new Refused(EIO);
    }
  }

  private static List<String> components(String path) {
    var out = new ArrayList<String>();
    for (String name : path.split("/")) {
      if (!name.isEmpty() && !name.equals(".")) {
        out.add(name);
      }
    }
    return out;
  }
}
