package dev.skiff.controlplane.internal.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** The log segment being appended to. Commit thread only. */
final class LogSegment implements AutoCloseable {
  private final Path path;
  private final FileChannel channel;
  private long size;

  private LogSegment(Path path, FileChannel channel, long size) {
    this.path = path;
    this.channel = channel;
    this.size = size;
  }

  /** Opens (creating if absent) a segment for appending at its end. */
  static LogSegment open(Path path) throws IOException {
    FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    long size = ch.size();
    ch.position(size);
    return new LogSegment(path, ch, size);
  }

  Path path() {
    return path;
  }

  long size() {
    return size;
  }

  /** Writes all of {@code records}; not durable until {@link #sync()}. */
  void append(ByteBuffer records) throws IOException {
    while (records.hasRemaining()) {
      size += channel.write(records);
    }
  }

  /** fdatasync: the appended bytes and the file length are on disk when this returns. */
  void sync() throws IOException {
    channel.force(false);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
