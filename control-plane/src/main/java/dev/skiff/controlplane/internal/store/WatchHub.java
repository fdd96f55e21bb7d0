package dev.skiff.controlplane.internal.store;

import dev.skiff.controlplane.CompactedException;
import dev.skiff.controlplane.spi.StoreEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The bounded history of recent changes (at most so many changes and so many bytes of values, the
 * newest always kept) and the registered watchers. Not thread-safe: every method is called with the
 * {@link StoreState} write lock held, which makes "replay the history, then register for live
 * events" atomic with respect to writes.
 */
final class WatchHub {
  private final ArrayDeque<StoreEvent> history = new ArrayDeque<>();
  private final int limit;
  private final long byteLimit;
  private long bytes;
  private final List<Watcher> watchers = new ArrayList<>();

  /** Watches may start from this revision or later; older changes are gone. */
  private long compactedRevision;

  WatchHub(int limit, long byteLimit, long compactedRevision, List<StoreEvent> recovered) {
    this.limit = limit;
    this.byteLimit = byteLimit;
    this.compactedRevision = compactedRevision;
    recovered.forEach(this::remember);
  }

  void publish(StoreEvent e) {
    remember(e);
    for (Watcher w : watchers) {
      w.offer(e);
    }
  }

  private void remember(StoreEvent e) {
    history.addLast(e);
    bytes += size(e);
    while (history.size() > limit || (bytes > byteLimit && history.size() > 1)) {
      forgetOldest();
    }
  }

  private void forgetOldest() {
    StoreEvent gone = history.removeFirst();
    bytes -= size(gone);
    compactedRevision = Math.max(compactedRevision, gone.revision());
  }

  private static long size(StoreEvent e) {
    byte[] value = e.entry().value();
    return value == null ? 0 : value.length;
  }

  /** Starts {@code w} from {@code fromRevision}, or rejects it when that history is gone. */
  void register(Watcher w, long fromRevision, Runnable unregister) {
    if (fromRevision < compactedRevision) {
      w.reject(new CompactedException(fromRevision, compactedRevision));
      return;
    }
    List<StoreEvent> replay = new ArrayList<>();
    for (StoreEvent e : history) {
      if (e.revision() > fromRevision) {
        replay.add(e);
      }
    }
    watchers.add(w);
    w.start(replay, unregister);
  }

  void remove(Watcher w) {
    watchers.remove(w);
  }

  /** Forgets history up to and including {@code revision}, as etcd's compact does. */
  void compactThrough(long revision) {
    while (!history.isEmpty() && history.peekFirst().revision() <= revision) {
      forgetOldest();
    }
    compactedRevision = Math.max(compactedRevision, revision);
  }

  void endAll() {
    watchers.forEach(Watcher::end);
    watchers.clear();
  }
}
