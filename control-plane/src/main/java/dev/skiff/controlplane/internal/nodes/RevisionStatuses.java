package dev.skiff.controlplane.internal.nodes;

import dev.skiff.api.model.RevisionStatus;
import dev.skiff.controlplane.NotFoundException;
import dev.skiff.controlplane.nodes.RevisionStatusWriter;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Revision statuses from the nodes' reports: keeps each live node's last view of the revisions it
 * is assigned, merges them per revision ({@link RevisionStatusMerge}) when one changes and writes
 * the result when it differs from what was written last, one write at a time per revision, in
 * order. A node that loses its lease or its connection no longer counts. Nothing is kept that the
 * nodes do not send again (every 2 s): a restarted control plane writes once from the next reports.
 * Thread-safe; writes are asynchronous.
 */
public final class RevisionStatuses {
  private static final System.Logger LOG = System.getLogger(RevisionStatuses.class.getName());

  private final RevisionStatusWriter writer;
  private final Clock clock;

  /** {@code ns/revision} -> node -> that node's view. */
  private final Map<String, SortedMap<String, RevisionStatus>> views = new HashMap<>();

  /** The revisions each node reported last, so a revision it drops is merged again. */
  private final Map<String, Set<String>> byNode = new HashMap<>();

  private final Map<String, RevisionStatus> written = new HashMap<>();
  private final Map<String, Future<?>> writes = new HashMap<>();

  public RevisionStatuses(RevisionStatusWriter writer, Clock clock) {
    this.writer = Objects.requireNonNull(writer);
    this.clock = Objects.requireNonNull(clock);
  }

  /** Whether statuses are written at all (not with a node in the control plane's own process). */
  public boolean active() {
    return writer != RevisionStatusWriter.NONE;
  }

  /**
   * Node {@code node}'s views now, by {@code ns/revision}: only revisions assigned to it (the
   * caller filters), replacing its last report.
   */
  public synchronized void reported(String node, Map<String, RevisionStatus> now) {
    if (!active()) {
      return;
    }
    Set<String> touched = new HashSet<>(now.keySet());
    Set<String> before = byNode.put(node, Set.copyOf(now.keySet()));
    if (before != null) {
      touched.addAll(before);
    }
    for (String key : touched) {
      RevisionStatus s = now.get(key);
      if (s == null) {
        SortedMap<String, RevisionStatus> v = views.get(key);
        if (v != null) {
          v.remove(node);
        }
      } else {
        views.computeIfAbsent(key, k -> new TreeMap<>()).put(node, s);
      }
      update(key);
    }
  }

  /** Node {@code node} is gone (lease or connection): its instances no longer count. */
  public void lost(String node) {
    reported(node, Map.of());
  }

  private void update(String key) {
    SortedMap<String, RevisionStatus> v = views.getOrDefault(key, new TreeMap<>());
    RevisionStatus last = written.get(key);
    RevisionStatus next = RevisionStatusMerge.merge(v, last, clock.instant());
    if (v.isEmpty()) {
      views.remove(key);
    }
    if (next == null || next.equals(last)) {
      return;
    }
    written.put(key, next);
    String[] p = key.split("/", 2);
    Future<?> prev = writes.getOrDefault(key, Future.succeededFuture());
    Future<?> w =
        prev.transform(x -> writer.write(p[0], p[1], next))
            .onFailure(
                e -> {
                  if (e instanceof NotFoundException) {
                    forget(key); // deleted: nothing to write to any more
                  } else {
                    LOG.log(
                        System.Logger.Level.WARNING,
                        "cannot write the status of revision {0}: {1}",
                        key,
                        e.getMessage());
                    clearWritten(key, next); // written again from the next report
                  }
                });
    writes.put(key, w);
    w.onComplete(
        ar -> {
          synchronized (this) {
            if (writes.get(key) == w) {
              writes.remove(key);
            }
          }
        });
  }

  private synchronized void forget(String key) {
    written.remove(key);
  }

  private synchronized void clearWritten(String key, RevisionStatus failed) {
    written.remove(key, failed);
  }
}
