package dev.skiff.wasm.internal;

import com.dylibso.chicory.runtime.HostFunction;
import java.util.Set;

/**
 * Makes a preopened directory read-only by wrapping Chicory's WASI functions, which have no
 * read-only mode of their own: every call that would create, change or delete something answers
 * {@code EROFS}, and {@code path_open} refuses write access, creation and truncation. Reads, stats
 * and directory listings pass through.
 */
final class ReadOnlyWasi {
  // WASI preview1 values (wasi_snapshot_preview1 witx); Chicory keeps its constants
  // package-private.
  private static final long RIGHT_FD_WRITE = 1L << 6;
  private static final long OFLAG_CREAT = 1;
  private static final long OFLAG_EXCL = 4;
  private static final long OFLAG_TRUNC = 8;
  private static final long FDFLAG_APPEND = 1;
  private static final long ERRNO_ROFS = 69; // errno.rofs
  private static final long[] EROFS = {ERRNO_ROFS};

  private static final Set<String> MUTATING =
      Set.of(
          "fd_allocate",
          "fd_filestat_set_size",
          "fd_filestat_set_times",
          "path_create_directory",
          "path_filestat_set_times",
          "path_link",
          "path_remove_directory",
          "path_rename",
          "path_symlink",
          "path_unlink_file");

  private ReadOnlyWasi() {}

  static HostFunction[] wrap(HostFunction[] functions) {
    var wrapped = new HostFunction[functions.length];
    for (int i = 0; i < functions.length; i++) {
      HostFunction fn = functions[i];
      if (MUTATING.contains(fn.name())) {
        wrapped[i] =
            new HostFunction(fn.module(), fn.name(), fn.functionType(), (inst, args) -> EROFS);
      } else if (fn.name().equals("path_open")) {
        wrapped[i] =
            new HostFunction(
                fn.module(),
                fn.name(),
                fn.functionType(),
                (inst, args) -> opensForWrite(args) ? EROFS : fn.handle().apply(inst, args));
      } else {
        wrapped[i] = fn;
      }
    }
    return wrapped;
  }

  /**
   * path_open(fd, dirflags, path, path_len, oflags, rights_base, rights_inheriting, fdflags, fd).
   */
  private static boolean opensForWrite(long[] args) {
    long oflags = args[4];
    long rightsBase = args[5];
    long fdflags = args[7];
    return (rightsBase & RIGHT_FD_WRITE) != 0
        || (oflags & (OFLAG_CREAT | OFLAG_EXCL | OFLAG_TRUNC)) != 0
        || (fdflags & FDFLAG_APPEND) != 0;
  }
}
