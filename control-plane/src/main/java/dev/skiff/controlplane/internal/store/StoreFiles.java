package dev.skiff.controlplane.internal.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The store's directory: log segments {@code wal-<first revision>.log}, one {@code snapshot.bin},
 * temp files being written ({@code *.tmp}) and a {@code LOCK} held while the store is open.
 */
final class StoreFiles implements AutoCloseable {
  private static final Pattern SEGMENT = Pattern.compile("wal-(\\d{20})\\.log");

  private final Path dir;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private StoreFiles(Path dir, FileChannel lockChannel, FileLock lock) {
    this.dir = dir;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /** Creates the directory if needed and locks it against a second process. */
  static StoreFiles open(Path dir) throws IOException {
    Files.createDirectories(dir);
    FileChannel ch =
        FileChannel.open(dir.resolve("LOCK"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by this very JVM
    }
    if (lock == null) {
      ch.close();
      throw new IOException(dir + " is in use by another process");
    }
    return new StoreFiles(dir, ch, lock);
  }

  Path dir() {
    return dir;
  }

  Path snapshot() {
    return dir.resolve("snapshot.bin");
  }

  Path segment(long firstRevision) {
    return dir.resolve(String.format("wal-%020d.log", firstRevision));
  }

  /** The first revision a segment file may hold, from its name. */
  static long firstRevision(Path segment) {
    Matcher m = SEGMENT.matcher(segment.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalArgumentException(segment + " is not a segment");
    }
    return Long.parseLong(m.group(1));
  }

  /** Log segments, oldest first. */
  List<Path> segments() throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "wal-*.log")) {
      ds.forEach(
          p -> {
            if (SEGMENT.matcher(p.getFileName().toString()).matches()) {
              out.add(p);
            }
          });
    }
    out.sort(null);
    return out;
  }

  /**
   * Removes temp files a crash left behind; they were never renamed, so never part of the store.
   */
  void deleteTemps() throws IOException {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.tmp")) {
      for (Path p : ds) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Makes creations, renames and deletions in the directory durable. */
  void syncDir() throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /** Reads a whole file into a heap buffer. */
  static ByteBuffer readAll(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size > Integer.MAX_VALUE - 16) {
        throw new IOException(file + " is too large to read: " + size + " bytes");
      }
      ByteBuffer buf = ByteBuffer.allocate((int) size);
      while (buf.hasRemaining() && ch.read(buf) >= 0) {
        // keep reading until full or end of file
      }
      return buf.flip();
    }
  }

  @Override
  public void close() throws IOException {
    lock.release();
    lockChannel.close();
  }
}
