package dev.skiff.wasm.internal;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import com.dylibso.chicory.wasi.WasiPreview1;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Keeps a preopened directory's guest inside it. Chicory checks guest paths only lexically and lets
 * the host follow symbolic links anywhere, so every path-taking WASI call is replaced: the path is
 * resolved by {@link MountPaths} (no link followed out of the root, {@code ..} and absolute paths
 * refused with ENOTCAPABLE), then handed to Chicory relative to the preopened root, so Chicory's
 * own resolution sees only real directories. Directory descriptors the guest opens are tracked, so
 * paths relative to them are resolved the same way.
 *
 * <p>A guest may create, rename or hard-link only links that point downwards (relative, no {@code
 * ..}), which stay inside wherever they are moved; others answer EPERM. The preopened descriptor
 * cannot be closed or renumbered (ENOTSUP), so it always names the root. One instance per
 * invocation (it holds that invocation's descriptor table); not thread-safe, like the instance.
 */
final class ConfinedWasi {
  private static final int ENOTSUP = 58;
  private static final int EEXIST = 20;
  private static final int ENOTEMPTY = 55;
  private static final int ENOTDIR = 54;
  private static final int EBADF = 8;
  private static final long FOLLOW = 1;

  private final WasiPreview1 wasi;
  private final MountPaths paths;
  private final int rootFd;
  private final Map<Integer, String> directories = new HashMap<>(); // fd -> root-relative path
  private final Set<Integer> files = new HashSet<>(); // other descriptors path_open returned

  private ConfinedWasi(WasiPreview1 wasi, MountPaths paths, int rootFd) {
    this.wasi = wasi;
    this.paths = paths;
    this.rootFd = rootFd;
  }

  /**
   * Replaces the path-taking functions of {@code functions} for a WASI context whose descriptor
   * {@code rootFd} is the preopened {@code root} (a real path).
   */
  static HostFunction[] wrap(HostFunction[] functions, WasiPreview1 wasi, Path root, int rootFd) {
    var confined = new ConfinedWasi(wasi, new MountPaths(root), rootFd);
    var wrapped = new HostFunction[functions.length];
    for (int i = 0; i < functions.length; i++) {
      HostFunction fn = functions[i];
      WasmFunctionHandle handle = confined.handle(fn);
      wrapped[i] =
          handle == null ? fn : new HostFunction(fn.module(), fn.name(), fn.functionType(), handle);
    }
    return wrapped;
  }

  private WasmFunctionHandle handle(HostFunction original) {
    WasmFunctionHandle next = original.handle();
    switch (original.name()) {
      case "path_open":
        return (inst, a) ->
            guarded(
                new long[] {a[0]}, () -> open(inst.memory(), a, dir(a[0]), text(inst, a[2], a[3])));
      case "path_filestat_get":
        return (inst, a) ->
            guarded(
                new long[] {a[0]},
                () -> {
                  String rel = paths.resolve(dir(a[0]), text(inst, a[2], a[3]), follows(a[1]));
                  return wasi.pathFilestatGet(
                      inst.memory(), rootFd, (int) (a[1] & ~FOLLOW), rel, (int) a[4]);
                });
      case "path_filestat_set_times":
        // Chicory follows a final link here whatever the flags say, so it is always resolved.
        return (inst, a) ->
            guarded(
                new long[] {a[0]},
                () ->
                    wasi.pathFilestatSetTimes(
                        rootFd,
                        0,
                        paths.resolve(dir(a[0]), text(inst, a[2], a[3]), true),
                        a[4],
                        a[5],
                        (int) a[6]));
      case "path_create_directory":
        return (inst, a) ->
            guarded(
                new long[] {a[0]},
                () -> wasi.pathCreateDirectory(rootFd, lastNotFollowed(inst, a[0], a[1], a[2])));
      case "path_remove_directory":
        return (inst, a) ->
            guarded(
                new long[] {a[0]},
                () -> wasi.pathRemoveDirectory(rootFd, lastNotFollowed(inst, a[0], a[1], a[2])));
      case "path_unlink_file":
        return (inst, a) ->
            guarded(
                new long[] {a[0]},
                () -> wasi.pathUnlinkFile(rootFd, lastNotFollowed(inst, a[0], a[1], a[2])));
      case "path_readlink":
        return (inst, a) ->
            guarded(
                new long[] {a[0]},
                () ->
                    wasi.pathReadlink(
                        inst.memory(),
                        rootFd,
                        lastNotFollowed(inst, a[0], a[1], a[2]),
                        (int) a[3],
                        (int) a[4],
                        (int) a[5]));
      case "path_rename":
        return (inst, a) ->
            guarded(
                new long[] {a[0], a[3]},
                () -> {
                  String from = lastNotFollowed(inst, a[0], a[1], a[2]);
                  String to = lastNotFollowed(inst, a[3], a[4], a[5]);
                  requireMovable(from);
                  return rename(from, to);
                });
      case "path_link":
        return (inst, a) ->
            guarded(
                new long[] {a[0], a[4]},
                () -> {
                  String from = paths.resolve(dir(a[0]), text(inst, a[2], a[3]), follows(a[1]));
                  String to = lastNotFollowed(inst, a[4], a[5], a[6]);
                  requireMovable(from);
                  return wasi.pathLink(rootFd, 0, from, rootFd, to);
                });
      case "path_symlink":
        return (inst, a) ->
            guarded(
                new long[] {a[2]},
                () -> symlink(text(inst, a[0], a[1]), lastNotFollowed(inst, a[2], a[3], a[4])));
      case "fd_close":
        return (inst, a) -> {
          if ((int) a[0] == rootFd) {
            return errno(ENOTSUP);
          }
          long[] result = next.apply(inst, a);
          if (result[0] == 0) {
            directories.remove((int) a[0]);
            files.remove((int) a[0]);
          }
          return result;
        };
      case "fd_renumber":
        return (inst, a) -> {
          if ((int) a[0] == rootFd || (int) a[1] == rootFd) {
            return errno(ENOTSUP);
          }
          long[] result = next.apply(inst, a);
          if (result[0] == 0 && a[0] != a[1]) {
            String moved = directories.remove((int) a[0]);
            boolean file = files.remove((int) a[0]);
            directories.remove((int) a[1]);
            files.remove((int) a[1]);
            if (moved != null) {
              directories.put((int) a[1], moved);
            } else if (file) {
              files.add((int) a[1]);
            }
          }
          return result;
        };
      default:
        return null;
    }
  }

  private int open(Memory memory, long[] a, String base, String guestPath) {
    String rel = paths.resolve(base, guestPath, follows(a[1]));
    int result =
        wasi.pathOpen(
            memory,
            rootFd,
            (int) (a[1] & ~FOLLOW),
            rel,
            (int) a[4],
            a[5],
            a[6],
            (int) a[7],
            (int) a[8]);
    if (result != 0) {
      return result;
    }
    int fd = memory.readInt((int) a[8]);
    if (Files.isDirectory(paths.host(rel), LinkOption.NOFOLLOW_LINKS)) {
      String dir = rel.endsWith("/") ? rel.substring(0, rel.length() - 1) : rel;
      directories.put(fd, dir.equals(".") ? "" : dir);
    } else {
      files.add(fd); // a directory swapped in since Chicory opened it is still only a file here
    }
    return result;
  }

  private int symlink(String target, String link) {
    if (!MountPaths.isDownward(target)) {
      return MountPaths.EPERM;
    }
    if (link.endsWith("/")) {
      return MountPaths.ENOENT;
    }
    try {
      Files.createSymbolicLink(paths.host(link), Path.of(target));
      return 0;
    } catch (FileAlreadyExistsException e) {
      return EEXIST;
    } catch (NoSuchFileException e) {
      return MountPaths.ENOENT;
    } catch (IOException | RuntimeException e) {
      return MountPaths.EIO;
    }
  }

  /**
   * rename(2) of two resolved paths. Chicory's own asks Java for ATOMIC_MOVE with COPY_ATTRIBUTES,
   * which the default file system refuses, so every rename failed with ENOTSUP.
   */
  private int rename(String from, String to) {
    try {
      Files.move(
          paths.host(from),
          paths.host(to),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      return 0;
    } catch (NoSuchFileException e) {
      return MountPaths.ENOENT;
    } catch (DirectoryNotEmptyException e) {
      return ENOTEMPTY;
    } catch (FileAlreadyExistsException e) {
      return EEXIST;
    } catch (IOException | RuntimeException e) {
      return MountPaths.EIO;
    }
  }

  /** A link that could point out of the root after a move may not be moved or hard-linked. */
  private void requireMovable(String rel) {
    Path host = paths.host(rel);
    if (!Files.isSymbolicLink(host)) {
      return;
    }
    try {
      if (!MountPaths.isDownward(Files.readSymbolicLink(host).toString())) {
        throw new MountPaths.Refused(MountPaths.EPERM);
      }
    } catch (IOException e) {
      throw new MountPaths.Refused(MountPaths.EIO);
    }
  }

  private String lastNotFollowed(Instance inst, long fd, long ptr, long len) {
    return paths.resolve(dir(fd), text(inst, ptr, len), false);
  }

  /** The root-relative directory of a descriptor, or null when it is not a directory we track. */
  private String dir(long fd) {
    return (int) fd == rootFd ? "" : directories.get((int) fd);
  }

  private interface Call {
    int run();
  }

  /**
   * Runs {@code call} when every descriptor in {@code fds} is a tracked directory. Never hands an
   * untracked descriptor to Chicory, whose resolution would follow links: ENOTDIR for stdio and
   * opened files, EBADF for anything else.
   */
  private long[] guarded(long[] fds, Call call) {
    for (long fd : fds) {
      if (dir(fd) == null) {
        boolean known = fd >= 0 && fd <= 2 || files.contains((int) fd);
        return errno(known ? ENOTDIR : EBADF);
      }
    }
    try {
      return errno(call.run());
    } catch (MountPaths.Refused e) {
      return errno(e.errno);
    }
  }

  private static boolean follows(long lookupFlags) {
    return (lookupFlags & FOLLOW) != 0;
  }

  private static String text(Instance inst, long ptr, long len) {
    return inst.memory().readString((int) ptr, (int) len);
  }

  private static long[] errno(int value) {
    return new long[] {value};
  }
}
