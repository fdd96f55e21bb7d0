package dev.skiff.controlplane.internal.store;

import dev.skiff.controlplane.spi.Entry;
import dev.skiff.controlplane.spi.StoreEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Rebuilds the state on open: the snapshot, then every log record after it. Only the last segment
 * can end in a torn record (a crash mid-append, before the fsync that would have acknowledged it);
 * it is cut off. A bad record anywhere else means real corruption and fails the open.
 */
final class Recovery {
  private static final System.Logger LOG = System.getLogger(Recovery.class.getName());

  /**
   * What recovery found; {@code activeSegment} is where appends continue. {@code fromSnapshot}
   * entries came from the snapshot and {@code replayed} log records were read (and applied if newer
   * than the snapshot).
   */
  record Result(
      StoreState state,
      LogSegment activeSegment,
      long revision,
      long truncatedBytes,
      long fromSnapshot,
      long replayed) {}

  private final TreeMap<String, Entry> entries = new TreeMap<>();
  private final List<StoreEvent> history = new ArrayList<>();
  private long revision;
  private long replayed;

  private Recovery() {}

  static Result run(StoreFiles files, int historyLimit, long historyBytes) throws IOException {
    return new Recovery().recover(files, historyLimit, historyBytes);
  }

  private Result recover(StoreFiles files, int historyLimit, long historyBytes) throws IOException {
    files.deleteTemps();
    long snapshotRevision = 0;
    long fromSnapshot = 0;
    var snapshot = SnapshotFile.read(files);
    if (snapshot.isPresent()) {
      snapshot.get().entries().forEach(e -> entries.put(e.key(), e));
      revision = snapshotRevision = snapshot.get().revision();
      fromSnapshot = entries.size();
    }
    List<Path> segments = files.segments();
    long truncated = 0;
    for (int i = 0; i < segments.size(); i++) {
      Path segment = segments.get(i);
      ByteBuffer in = StoreFiles.readAll(segment);
      while (in.hasRemaining()) {
        LogRecord r = LogRecord.readFrom(in);
        if (r == null) {
          break;
        }
        replayed++;
        replay(r);
      }
      if (in.hasRemaining()) {
        if (i != segments.size() - 1) {
          throw new IOException(
              segment + " is damaged at byte " + in.position() + " and is not the last segment");
        }
        truncated = in.remaining();
        truncate(segment, in.position());
      }
    }
    LogSegment active;
    if (segments.isEmpty()) {
      active = LogSegment.open(files.segment(revision + 1));
      files.syncDir();
    } else {
      active = LogSegment.open(segments.get(segments.size() - 1));
    }
    WatchHub hub = new WatchHub(historyLimit, historyBytes, snapshotRevision, history);
    return new Result(
        new StoreState(entries, revision, hub),
        active,
        revision,
        truncated,
        fromSnapshot,
        replayed);
  }

  private void replay(LogRecord r) {
    if (r.revision() <= revision) {
      return; // already in the snapshot: the log was not yet trimmed when the process stopped
    }
    if (r.op() == LogRecord.PUT) {
      Entry e = new Entry(r.key(), r.value(), r.createRevision(), r.revision());
      entries.put(r.key(), e);
      history.add(new StoreEvent(StoreEvent.Type.PUT, e));
    } else if (r.op() == LogRecord.DELETE) {
      Entry last = entries.remove(r.key());
      byte[] value = last == null ? r.value() : last.value();
      long created = last == null ? r.revision() : last.createRevision();
      history.add(
          new StoreEvent(StoreEvent.Type.DELETE, new Entry(r.key(), value, created, r.revision())));
    }
    revision = r.revision();
  }

  private static void truncate(Path segment, long length) throws IOException {
    LOG.log(
        System.Logger.Level.WARNING, "cutting a torn tail off " + segment + " at byte " + length);
    try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
      ch.truncate(length);
      ch.force(true);
    }
  }
}
