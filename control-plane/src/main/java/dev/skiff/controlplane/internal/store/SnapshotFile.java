package dev.skiff.controlplane.internal.store;

import dev.skiff.controlplane.spi.Entry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The store's state at one revision, as framed records between a header and an end marker. Written
 * to a temp file, fsync'd, renamed over the old one and the directory fsync'd, so the file on disk
 * is always a whole snapshot, old or new.
 */
final class SnapshotFile {
  private static final int CHUNK = 1 << 20;

  /** A snapshot read back. */
  record Loaded(long revision, List<Entry> entries) {}

  private SnapshotFile() {}

  static void write(StoreFiles files, long revision, List<Entry> entries) throws IOException {
    Path tmp = files.dir().resolve("snapshot.bin.tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.allocate(CHUNK);
      buf = append(ch, buf, LogRecord.marker(LogRecord.HEADER, revision, entries.size()));
      for (Entry e : entries) {
        buf =
            append(
                ch,
                buf,
                new LogRecord(
                    LogRecord.PUT, e.modRevision(), e.createRevision(), e.key(), e.value()));
      }
      buf = append(ch, buf, LogRecord.marker(LogRecord.END, revision, entries.size()));
      flush(ch, buf);
      ch.force(true);
    }
    Files.move(
        tmp, files.snapshot(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    files.syncDir();
  }

  private static ByteBuffer append(FileChannel ch, ByteBuffer buf, LogRecord r) throws IOException {
    int size = r.framedSize();
    if (size > buf.remaining()) {
      flush(ch, buf);
      if (size > buf.capacity()) {
        buf = ByteBuffer.allocate(size);
      }
    }
    r.writeTo(buf);
    return buf;
  }

  private static void flush(FileChannel ch, ByteBuffer buf) throws IOException {
    buf.flip();
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
    buf.clear();
  }

  /** Reads the snapshot, if there is one; a damaged one is an error, never silently skipped. */
  static Optional<Loaded> read(StoreFiles files) throws IOException {
    Path path = files.snapshot();
    if (!Files.exists(path)) {
      return Optional.empty();
    }
    ByteBuffer in = StoreFiles.readAll(path);
    LogRecord header = LogRecord.readFrom(in);
    if (header == null || header.op() != LogRecord.HEADER) {
      throw new IOException(path + " has no valid header");
    }
    long count = header.createRevision();
    List<Entry> entries = new ArrayList<>((int) Math.min(count, 1 << 20));
    for (long i = 0; i < count; i++) {
      LogRecord r = LogRecord.readFrom(in);
      if (r == null || r.op() != LogRecord.PUT) {
        throw new IOException(path + " is damaged at entry " + i + " of " + count);
      }
      entries.add(new Entry(r.key(), r.value(), r.createRevision(), r.revision()));
    }
    LogRecord end = LogRecord.readFrom(in);
    if (end == null || end.op() != LogRecord.END || end.revision() != header.revision()) {
      throw new IOException(path + " has no valid end marker");
    }
    return Optional.of(new Loaded(header.revision(), entries));
  }
}
