package dev.skiff.controlplane.internal.nodes;

import dev.skiff.controlplane.StaleRevisionException;
import dev.skiff.controlplane.spi.Store;
import io.vertx.core.Future;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Makes a node's lost connection visible in the store: when the connection its assignment watch
 * runs on closes (its process killed: the kernel resets it), the node's stored instance report
 * ({@link NodeRecords#INSTANCES}) is deleted, so every process that follows the store (edges'
 * {@code ClusterView}) drops its endpoints at once instead of when its lease runs out. A node that
 * comes back opens its watch again and reports again.
 *
 * <p>Only the newest watch of a node counts: the close of an older connection, after the node
 * reconnected, clears nothing. A report stored after the close (in flight at the kill) is deleted
 * too. Nothing is cleared while the node port itself stops (a control-plane restart must not take
 * the nodes' endpoints from the edges). Called on the node port's event loop; thread-safe.
 */
final class Disconnects {
  private static final System.Logger LOG = System.getLogger(Disconnects.class.getName());

  private final NodeRecords records;
  private final Map<String, Long> generation = new HashMap<>();
  private final Map<String, Long> lastReport = new HashMap<>();
  private final Set<String> gone = new HashSet<>();
  private volatile boolean stopping;

  Disconnects(NodeRecords records) {
    this.records = records;
  }

  /** Node {@code node} opened its assignment watch; answers the watch's generation. */
  synchronized long watching(String node) {
    gone.remove(node);
    return generation.merge(node, 1L, Long::sum);
  }

  /**
   * Node {@code node}'s report was stored at {@code modRevision}; answers whether to follow it
   * (false: stored after its connection closed, and deleted again).
   */
  Future<Boolean> reported(String node, long modRevision) {
    synchronized (this) {
      if (!gone.contains(node)) {
        lastReport.put(node, modRevision);
        return Future.succeededFuture(true);
      }
    }
    return clear(node, modRevision).map(false);
  }

  /**
   * The connection of node {@code node}'s watch {@code watch} closed; answers whether it was the
   * node's newest (its endpoints must go), false when the node has watched again since or the node
   * port is stopping.
   */
  boolean closed(String node, long watch) {
    long expected;
    synchronized (this) {
      if (stopping || generation.getOrDefault(node, 0L) != watch) {
        return false;
      }
      gone.add(node);
      Long last = lastReport.remove(node);
      expected = last == null ? Store.ANY : last;
    }
    clear(node, expected);
    return true;
  }

  /** The node port is stopping: connections closing now say nothing about their nodes. */
  void stopping() {
    stopping = true;
  }

  private Future<Void> clear(String node, long expected) {
    return records
        .clearInstances(node, expected)
        .<Void>map(
            deleted -> {
              if (deleted) {
                LOG.log(
                    System.Logger.Level.INFO,
                    "node " + node + " disconnected: its instance report is withdrawn");
              }
              return null;
            })
        .recover(
            e -> {
              if (!(e instanceof StaleRevisionException)) {
                // The lease still withdraws them when it runs out.
                LOG.log(
                    System.Logger.Level.WARNING,
                    "could not withdraw the instance report of disconnected node " + node,
                    e);
              }
              // Stale: a newer report was stored; its own reported() clears it if still gone.
              return Future.succeededFuture();
            });
  }
}
