package dev.skiff.oci.internal;

import com.github.luben.zstd.ZstdInputStream;
import com.sun.jna.LastErrorException;
import dev.skiff.oci.DigestMismatchException;
import dev.skiff.oci.ImagePullException;
import dev.skiff.oci.UnsafeLayerException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks one layer tar (plain, gzip or zstd, told apart by magic bytes) into an empty directory in
 * the form overlayfs takes as a lower directory:
 *
 * <ul>
 *   <li>{@code .wh.NAME} becomes a 0/0 character device {@code NAME} (an overlay whiteout), and
 *       {@code .wh..wh..opq} sets {@code trusted.overlay.opaque=y} on its directory;
 *   <li>no entry may leave the directory: {@code ..} components are refused, and so is any entry
 *       whose path or hard-link target passes through a symlink, since every symlink's target is
 *       meant for the container's root, not the host's. An entry replaces whatever an earlier entry
 *       left at its path (never writing through it);
 *   <li>owners, modes (with setuid, setgid, sticky), modification times and textual {@code user.*}
 *       xattrs are kept; device nodes are skipped; FIFOs are created.
 * </ul>
 *
 * The uncompressed stream is hashed as it is read and must equal the config's diff id. Needs root
 * (CAP_CHOWN, CAP_MKNOD, CAP_SYS_ADMIN for trusted.* xattrs), as the node agent runs.
 */
public final class LayerUnpacker {
  static final String WHITEOUT = ".wh.";
  static final String OPAQUE = ".wh..wh..opq";

  private final Path root;
  private final String where;

  /** Directories and their times, set last: writing children changes a directory's mtime. */
  private final Deque<Map.Entry<Path, FileTime>> dirTimes = new ArrayDeque<>();

  private LayerUnpacker(Path root, String where) {
    this.root = root;
    this.where = where;
  }

  /**
   * Unpacks {@code blob} into {@code root}, which must exist and be empty.
   *
   * @param what names the layer in errors, e.g. {@code layer sha256:ab.. of 127.0.0.1:5000/hello}
   * @param diffId the expected digest of the uncompressed tar, or null to skip the check
   * @return the digest of the uncompressed tar
   */
  public static String unpack(InputStream blob, Path root, String what, String diffId)
      throws IOException {
    LayerUnpacker u = new LayerUnpacker(root, what);
    MessageDigest md = Digests.sha256();
    try (InputStream tar = new DigestInputStream(decompress(blob), md);
        TarArchiveInputStream in = new TarArchiveInputStream(tar)) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        u.entry(e, in);
      }
      // The diff id covers the whole stream, including the end-of-archive blocks and padding.
      Digests.update(md, tar);
    }
    u.finish();
    String actual = Digests.of(md);
    if (diffId != null && !diffId.equals(actual)) {
      throw new DigestMismatchException(
          what + " (uncompressed, against the config's diff id)", diffId, actual);
    }
    return actual;
  }

  /** gzip ({@code 1f 8b}), zstd ({@code 28 b5 2f fd}) or a plain tar. */
  static InputStream decompress(InputStream raw) throws IOException {
    BufferedInputStream in = new BufferedInputStream(raw, 64 * 1024);
    in.mark(4);
    byte[] magic = in.readNBytes(4);
    in.reset();
    if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      return new GZIPInputStream(in, 64 * 1024);
    }
    if (magic.length == 4
        && (magic[0] & 0xff) == 0x28
        && (magic[1] & 0xff) == 0xb5
        && (magic[2] & 0xff) == 0x2f
        && (magic[3] & 0xff) == 0xfd) {
      return new ZstdInputStream(in);
    }
    return in;
  }

  private void entry(TarArchiveEntry e, InputStream data) throws IOException {
    List<String> parts = components(e.getName());
    if (parts.isEmpty()) {
      if (e.isDirectory()) {
        metadata(root, e); // the layer's "./": the merged root takes its owner and mode
      }
      return;
    }
    String base = parts.get(parts.size() - 1);
    Path parent = parentDirectory(parts, e.getName());
    if (base.equals(OPAQUE)) {
      xattr(parent, "trusted.overlay.opaque", "y".getBytes(StandardCharsets.US_ASCII));
      return;
    }
    if (base.startsWith(WHITEOUT)) {
      String hidden = base.substring(WHITEOUT.length());
      if (hidden.startsWith(WHITEOUT)
          || hidden.isEmpty()
          || hidden.equals(".")
          || hidden.equals("..")) {
        return; // .wh..wh.* are AUFS metadata, not whiteouts; nothing to render
      }
      Path target = parent.resolve(hidden);
      clear(target);
      mknod(target, LibC.S_IFCHR, e.getName());
      owner(target, e, false);
      return;
    }
    Path path = parent.resolve(base);
    if (e.isDirectory()) {
      if (!isDirectory(path)) {
        clear(path);
        Files.createDirectory(path);
      }
      metadata(path, e);
      dirTimes.push(Map.entry(path, e.getLastModifiedTime()));
    } else if (e.isSymbolicLink()) {
      clear(path);
      Files.createSymbolicLink(path, Path.of(e.getLinkName()));
      owner(path, e, false);
      times(path, e.getLastModifiedTime());
    } else if (e.isLink()) {
      List<String> linkParts = components(e.getLinkName());
      if (linkParts.isEmpty()) {
        throw unsafe(e, "hard link to the layer root");
      }
      Path target =
          parentDirectory(linkParts, e.getLinkName()).resolve(linkParts.get(linkParts.size() - 1));
      BasicFileAttributes a = attributes(target);
      if (a == null || a.isDirectory()) {
        throw unsafe(
            e,
            "hard link to '"
                + e.getLinkName()
                + "', which is "
                + (a == null ? "not earlier in this layer" : "a directory"));
      }
      if (!path.equals(target)) {
        clear(path);
        Files.createLink(path, target);
      }
    } else if (e.isCharacterDevice() || e.isBlockDevice()) {
      return; // skipped: a container gets its devices from the runtime, never from an image
    } else if (e.isFIFO()) {
      clear(path);
      mknod(path, LibC.S_IFIFO, e.getName());
      metadata(path, e);
    } else if (e.isFile()) {
      clear(path);
      try (OutputStream out =
          Files.newOutputStream(
              path,
              StandardOpenOption.CREATE_NEW,
              StandardOpenOption.WRITE,
              LinkOption.NOFOLLOW_LINKS)) {
        data.transferTo(out);
      }
      metadata(path, e);
    }
    // Anything else (GNU volume headers, unknown types) carries no file for the root file system.
  }

  /**
   * The entry's path components, after dropping {@code /}, {@code .} and empty ones. A {@code ..}
   * anywhere is refused outright instead of resolved: no legitimate layer needs one.
   */
  private List<String> components(String name) {
    List<String> out = new ArrayList<>();
    for (String c : name.split("/")) {
      if (c.equals("..")) {
        throw new UnsafeLayerException(
            where
                + ": entry '"
                + name
                + "' contains '..'; a layer may only write inside itself. Refusing the image.");
      }
      if (c.indexOf('\0') >= 0) {
        throw new UnsafeLayerException(where + ": entry '" + name + "' contains a NUL byte");
      }
      if (!c.isEmpty() && !c.equals(".")) {
        out.add(c);
      }
    }
    return out;
  }

  /**
   * The directory that holds the last component, created (0755, root) where missing. Every existing
   * component must be a real directory: a symlink there would send the write outside the layer.
   */
  private Path parentDirectory(List<String> parts, String name) throws IOException {
    Path dir = root;
    for (int i = 0; i < parts.size() - 1; i++) {
      dir = dir.resolve(parts.get(i));
      BasicFileAttributes a = attributes(dir);
      if (a == null) {
        Files.createDirectory(dir);
      } else if (a.isSymbolicLink()) {
        throw new UnsafeLayerException(
            where
                + ": entry '"
                + name
                + "' goes through the symlink '"
                + root.relativize(dir)
                + "' -> '"
                + Files.readSymbolicLink(dir)
                + "'; writing through symlinks could escape the layer. Refusing the image.");
      } else if (!a.isDirectory()) {
        throw unsafe(name, "'" + root.relativize(dir) + "' is not a directory");
      }
    }
    return dir;
  }

  /**
   * Removes what an earlier entry left at {@code path} (without following it), for a replacement.
   */
  private void clear(Path path) throws IOException {
    BasicFileAttributes a = attributes(path);
    if (a == null) {
      return;
    }
    if (a.isDirectory()) {
      try {
        Files.delete(path);
      } catch (DirectoryNotEmptyException e) {
        deleteTree(path);
      }
    } else {
      Files.delete(path);
    }
  }

  /** Deletes a tree without following symlinks. */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
            if (exc != null) {
              throw exc;
            }
            Files.delete(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  private void metadata(Path path, TarArchiveEntry e) throws IOException {
    owner(path, e, true);
    // After chown, which clears setuid/setgid. The path is ours and no symlink: following is safe.
    Files.setAttribute(path, "unix:mode", e.getMode() & 07777);
    for (Map.Entry<String, String> h : e.getExtraPaxHeaders().entrySet()) {
      if (h.getKey().startsWith("SCHILY.xattr.")) {
        String name = h.getKey().substring("SCHILY.xattr.".length());
        // Only text user.* values: the tar reader decodes PAX values as UTF-8, so binary ones
        // (security.capability) arrive mangled and are better dropped than written wrong.
        if (name.startsWith("user.") && h.getValue().indexOf('\uFFFD') < 0) {
          xattr(path, name, h.getValue().getBytes(StandardCharsets.UTF_8));
        }
      }
    }
    if (!e.isDirectory()) {
      times(path, e.getLastModifiedTime());
    }
  }

  /**
   * Sets access and modification time without opening or following the file (Java's setTimes opens
   * it, which blocks on a FIFO and cannot reach a symlink itself).
   */
  private void times(Path path, FileTime time) {
    long nanos = time.to(TimeUnit.NANOSECONDS);
    long sec = Math.floorDiv(nanos, 1_000_000_000L);
    long nsec = Math.floorMod(nanos, 1_000_000_000L);
    try {
      LibC.INSTANCE.utimensat(
          LibC.AT_FDCWD,
          path.toString(),
          new long[] {sec, nsec, sec, nsec},
          LibC.AT_SYMLINK_NOFOLLOW);
    } catch (LastErrorException err) {
      throw new ImagePullException(
          where
              + ": cannot set the time of '"
              + root.relativize(path)
              + "' (errno "
              + err.getErrorCode()
              + ")",
          err);
    }
  }

  private void owner(Path path, TarArchiveEntry e, boolean follow) throws IOException {
    LinkOption[] opts = follow ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
    int uid = (int) e.getLongUserId();
    int gid = (int) e.getLongGroupId();
    Map<String, Object> now = Files.readAttributes(path, "unix:uid,gid", LinkOption.NOFOLLOW_LINKS);
    if (!now.get("uid").equals(uid)) {
      Files.setAttribute(path, "unix:uid", uid, opts);
    }
    if (!now.get("gid").equals(gid)) {
      Files.setAttribute(path, "unix:gid", gid, opts);
    }
  }

  private void finish() throws IOException {
    while (!dirTimes.isEmpty()) {
      Map.Entry<Path, FileTime> d = dirTimes.pop();
      times(d.getKey(), d.getValue());
    }
  }

  private void mknod(Path path, int type, String name) {
    try {
      LibC.INSTANCE.mknod(path.toString(), type, 0L);
    } catch (LastErrorException err) {
      throw new ImagePullException(
          where
              + ": cannot create "
              + (type == LibC.S_IFCHR ? "the overlay whiteout" : "the FIFO")
              + " for '"
              + name
              + "' (errno "
              + err.getErrorCode()
              + "); unpacking layers needs root with CAP_MKNOD",
          err);
    }
  }

  private void xattr(Path path, String name, byte[] value) {
    try {
      LibC.INSTANCE.lsetxattr(path.toString(), name, value, value.length, 0);
    } catch (LastErrorException err) {
      throw new ImagePullException(
          where
              + ": cannot set xattr "
              + name
              + " on '"
              + root.relativize(path)
              + "' (errno "
              + err.getErrorCode()
              + "); opaque directories need"
              + " root with CAP_SYS_ADMIN and a file system with xattrs",
          err);
    }
  }

  private static boolean isDirectory(Path p) {
    return Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
  }

  private static BasicFileAttributes attributes(Path p) throws IOException {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  private UnsafeLayerException unsafe(TarArchiveEntry e, String why) {
    return unsafe(e.getName(), why);
  }

  private UnsafeLayerException unsafe(String name, String why) {
    return new UnsafeLayerException(
        where + ": entry '" + name + "': " + why + ". Refusing the image.");
  }
}
