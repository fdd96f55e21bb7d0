package dev.skiff.oci.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * The few libc calls the unpacker needs and Java lacks (64-bit Linux: dev_t and size_t are longs).
 */
interface LibC extends Library {
  LibC INSTANCE = Native.load("c", LibC.class);

  int S_IFCHR = 0020000;
  int S_IFIFO = 0010000;
  int O_RDONLY = 0;
  int O_DIRECTORY = 0200000;
  int O_CLOEXEC = 02000000;
  int AT_FDCWD = -100;
  int AT_SYMLINK_NOFOLLOW = 0x100;

  int mknod(String path, int mode, long dev) throws LastErrorException;

  int lsetxattr(String path, String name, byte[] value, long size, int flags)
      throws LastErrorException;

  /** {@code times} is two timespecs, {tv_sec, tv_nsec} each: access then modification time. */
  int utimensat(int dirfd, String path, long[] times, int flags) throws LastErrorException;

  int open(String path, int flags) throws LastErrorException;

  int syncfs(int fd) throws LastErrorException;

  int close(int fd) throws LastErrorException;

  int geteuid();
}
