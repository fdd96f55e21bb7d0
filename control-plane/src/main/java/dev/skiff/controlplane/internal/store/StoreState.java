package dev.skiff.controlplane.internal.store;

import dev.skiff.controlplane.Listing;
import dev.skiff.controlplane.spi.Entry;
import dev.skiff.controlplane.spi.StoreEvent;
import dev.skiff.controlplane.spi.Watch;
import io.vertx.core.Handler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The durable state as readers see it: every entry, the current revision and the watch history.
 * Only the commit thread changes it, and only with writes already fsync'd; readers take the read
 * lock for the few microseconds a lookup or copy takes, so a batch is seen whole or not at all.
 */
final class StoreState {
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final TreeMap<String, Entry> entries;
  private final WatchHub hub;
  private long revision;

  StoreState(TreeMap<String, Entry> entries, long revision, WatchHub hub) {
    this.entries = entries;
    this.revision = revision;
    this.hub = hub;
  }

  Optional<Entry> get(String key) {
    Lock r = lock.readLock();
    r.lock();
    try {
      return Optional.ofNullable(entries.get(key));
    } finally {
      r.unlock();
    }
  }

  Listing<Entry> listing(String prefix) {
    Lock r = lock.readLock();
    r.lock();
    try {
      List<Entry> out = new ArrayList<>();
      for (Map.Entry<String, Entry> e : entries.tailMap(prefix, true).entrySet()) {
        if (!e.getKey().startsWith(prefix)) {
          break;
        }
        out.add(e.getValue());
      }
      return new Listing<>(revision, out);
    } finally {
      r.unlock();
    }
  }

  long revision() {
    Lock r = lock.readLock();
    r.lock();
    try {
      return revision;
    } finally {
      r.unlock();
    }
  }

  /** The entry as the commit thread knows it. Commit thread only: it is the sole writer. */
  Entry current(String key) {
    return entries.get(key);
  }

  /** Makes a durable batch visible and tells the watchers, atomically. Commit thread only. */
  void apply(List<StoreEvent> events) {
    Lock w = lock.writeLock();
    w.lock();
    try {
      for (StoreEvent e : events) {
        if (e.type() == StoreEvent.Type.PUT) {
          entries.put(e.entry().key(), e.entry());
        } else {
          entries.remove(e.entry().key());
        }
        revision = e.revision();
        hub.publish(e);
      }
    } finally {
      w.unlock();
    }
  }

  Watch watch(String prefix, long fromRevision, Handler<StoreEvent> handler, Executor executor) {
    Watcher watcher = new Watcher(prefix, fromRevision, handler, executor);
    withWriteLock(
        () -> hub.register(watcher, fromRevision, () -> withWriteLock(() -> hub.remove(watcher))));
    return watcher;
  }

  /** Every entry at the current revision, for a snapshot. */
  Listing<Entry> all() {
    return listing("");
  }

  void compactHistoryThrough(long revision) {
    withWriteLock(() -> hub.compactThrough(revision));
  }

  void endWatches() {
    withWriteLock(hub::endAll);
  }

  private void withWriteLock(Runnable r) {
    Lock w = lock.writeLock();
    w.lock();
    try {
      r.run();
    } finally {
      w.unlock();
    }
  }
}
