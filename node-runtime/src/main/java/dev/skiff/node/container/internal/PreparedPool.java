package dev.skiff.node.container.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Containers created ahead, at most one per revision and at most {@code bound} in all; when full,
 * the one prepared longest ago makes room. The pool only holds them: whoever takes one or gets one
 * back from {@link #put} or {@link #remove} discards or wakes it. Thread-safe.
 */
public final class PreparedPool {
  private final int bound;
  // Insertion order: the eldest is the first to go.
  private final Map<String, Prepared> byRevision = new LinkedHashMap<>();
  private long taken;
  private long missed;

  public PreparedPool(int bound) {
    this.bound = bound;
  }

  public int bound() {
    return bound;
  }

  /** Whether a container would be kept for a revision: the pool has room for any. */
  public boolean enabled() {
    return bound > 0;
  }

  /** Whether {@code revision} has one waiting. */
  public synchronized boolean has(String revision) {
    return byRevision.containsKey(revision);
  }

  /**
   * Keeps {@code p} for {@code revision}; returns the containers it replaces or that made room, for
   * the caller to discard.
   */
  public synchronized List<Prepared> put(String revision, Prepared p) {
    List<Prepared> out = new ArrayList<>();
    Prepared before = byRevision.remove(revision);
    if (before != null) {
      out.add(before);
    }
    if (bound <= 0) {
      out.add(p);
      return out;
    }
    Iterator<Prepared> eldest = byRevision.values().iterator();
    while (byRevision.size() >= bound && eldest.hasNext()) {
      out.add(eldest.next());
      eldest.remove();
    }
    byRevision.put(revision, p);
    return out;
  }

  /** Takes {@code revision}'s container, or null (counted as a miss). */
  public synchronized Prepared take(String revision) {
    Prepared p = byRevision.remove(revision);
    if (p == null) {
      missed++;
    } else {
      taken++;
    }
    return p;
  }

  /** Takes {@code revision}'s container without counting, or null. */
  public synchronized Prepared remove(String revision) {
    return byRevision.remove(revision);
  }

  /** Takes every container. */
  public synchronized List<Prepared> removeAll() {
    List<Prepared> out = new ArrayList<>(byRevision.values());
    byRevision.clear();
    return out;
  }

  /** The keys of the containers waiting. */
  public synchronized List<String> keys() {
    return byRevision.values().stream().map(Prepared::key).toList();
  }

  public synchronized long taken() {
    return taken;
  }

  public synchronized long missed() {
    return missed;
  }
}
