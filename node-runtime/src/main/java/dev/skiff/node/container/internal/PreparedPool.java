package dev.skiff.node.container.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Containers created ahead, at most one per revision and at most {@code bound} in all. One made for
 * a revision at zero ({@link #put}) makes room when full: the one prepared longest ago goes. One
 * made after a start ({@link #putIfFree}) only takes a free place. Each remembers what it was made
 * from, so a revision whose template changed is seen to need another. The pool only holds them:
 * whoever takes one or gets one back from {@link #put} or {@link #remove} discards or wakes it.
 * Thread-safe.
 */
public final class PreparedPool {
  private final int bound;
  // Insertion order: the eldest is the first to go.
  private final Map<String, Prepared> byRevision = new LinkedHashMap<>();
  // What each was made from (the template): equal to the revision's now while it still fits.
  private final Map<String, Object> madeFrom = new java.util.HashMap<>();
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

  /** Whether {@code revision} has one waiting that was made from {@code from}. */
  public synchronized boolean has(String revision, Object from) {
    return byRevision.containsKey(revision)
        && java.util.Objects.equals(madeFrom.get(revision), from);
  }

  /** How many are waiting. */
  public synchronized int size() {
    return byRevision.size();
  }

  /**
   * Keeps {@code p}, made from {@code from}, for {@code revision}; returns the containers it
   * replaces or that made room, for the caller to discard.
   */
  public synchronized List<Prepared> put(String revision, Prepared p, Object from) {
    List<Prepared> out = new ArrayList<>();
    Prepared before = remove(revision);
    if (before != null) {
      out.add(before);
    }
    if (bound <= 0) {
      out.add(p);
      return out;
    }
    Iterator<Map.Entry<String, Prepared>> eldest = byRevision.entrySet().iterator();
    while (byRevision.size() >= bound && eldest.hasNext()) {
      Map.Entry<String, Prepared> e = eldest.next();
      out.add(e.getValue());
      madeFrom.remove(e.getKey());
      eldest.remove();
    }
    byRevision.put(revision, p);
    madeFrom.put(revision, from);
    return out;
  }

  /**
   * Keeps {@code p}, made from {@code from}, for {@code revision} only if that takes a free place
   * (the revision has none waiting and the pool is not full): nothing else goes for it. Returns
   * whether it was kept; if not, the caller discards it.
   */
  public synchronized boolean putIfFree(String revision, Prepared p, Object from) {
    if (byRevision.containsKey(revision) || byRevision.size() >= bound) {
      return false;
    }
    byRevision.put(revision, p);
    madeFrom.put(revision, from);
    return true;
  }

  /** Takes {@code revision}'s container, or null (counted as a miss). */
  public synchronized Prepared take(String revision) {
    Prepared p = remove(revision);
    if (p == null) {
      missed++;
    } else {
      taken++;
    }
    return p;
  }

  /** Takes {@code revision}'s container without counting, or null. */
  public synchronized Prepared remove(String revision) {
    madeFrom.remove(revision);
    return byRevision.remove(revision);
  }

  /** Takes every container. */
  public synchronized List<Prepared> removeAll() {
    List<Prepared> out = new ArrayList<>(byRevision.values());
    byRevision.clear();
    madeFrom.clear();
    return out;
  }

  /** The containers waiting. */
  public synchronized List<Prepared> waiting() {
    return List.copyOf(byRevision.values());
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
