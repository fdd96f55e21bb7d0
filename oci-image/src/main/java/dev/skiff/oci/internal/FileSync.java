package dev.skiff.oci.internal;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Durable writes: temp file, fsync, atomic rename, fsync of the directory. */
public final class FileSync {
  private FileSync() {}

  /** Makes a rename or creation in {@code dir} durable. */
  public static void directory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /** Writes {@code bytes} to {@code target} atomically and durably. */
  public static void write(Path target, byte[] bytes) throws IOException {
    Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.write(java.nio.ByteBuffer.wrap(bytes));
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      directory(target.getParent());
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Flushes everything written on the file system holding {@code dir} (one syncfs instead of an
   * fsync per unpacked file).
   */
  public static void fileSystem(Path dir) throws IOException {
    try {
      int fd =
          LibC.INSTANCE.open(dir.toString(), LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC);
      try {
        LibC.INSTANCE.syncfs(fd);
      } finally {
        LibC.INSTANCE.close(fd);
      }
    } catch (LastErrorException e) {
      throw new IOException("syncfs " + dir + ": errno " + e.getErrorCode(), e);
    }
  }
}
