package dev.skiff.controlplane.internal.nodes;

import dev.skiff.api.model.Condition;
import dev.skiff.controlplane.internal.resources.Keys;
import dev.skiff.controlplane.nodes.RemoteInstances;
import dev.skiff.controlplane.spi.Store;
import dev.skiff.controlplane.spi.StoreEvent;
import dev.skiff.controlplane.spi.Watch;
import io.vertx.core.Future;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Remote nodes' instances as every control plane sharing the store sees them: a node agent reports
 * to one control plane, which stores the report ({@code /skiff-nodes/instances/{name}}); this
 * follows those reports, the nodes' Ready condition and their assignments, and hands each node's
 * held instances ({@link ReportFilter}) to {@link RemoteInstances} while the node is Ready, and its
 * loss when it is not (its lease ran out) or it is gone. Idempotent beside the direct path of the
 * control plane the node talks to: each call carries the node's whole set.
 */
public final class ReportFollower {
  private static final System.Logger LOG = System.getLogger(ReportFollower.class.getName());
  private static final String NODE_PREFIX = "/skiff-nodes/";

  private final NodeRecords records;
  private final RemoteInstances remote;
  private final Map<String, Future<Void>> pending = new HashMap<>();
  private final Set<String> followed = new HashSet<>();
  private final List<Watch> watches = new java.util.ArrayList<>();

  public ReportFollower(NodeRecords records, RemoteInstances remote) {
    this.records = records;
    this.remote = remote;
  }

  /** Follows every node known now, then every change; completes once both watches started. */
  public Future<Void> start() {
    Store store = records.store();
    return store
        .revision()
        .compose(
            rev ->
                records
                    .nodes()
                    .compose(
                        nodes -> {
                          nodes.items().forEach(n -> refresh(n.metadata().name()));
                          Watch a = store.watch(Keys.NODES, rev, this::onEvent);
                          Watch b = store.watch(NODE_PREFIX, rev, this::onEvent);
                          synchronized (watches) {
                            watches.add(a);
                            watches.add(b);
                          }
                          return Future.all(a.started(), b.started()).<Void>mapEmpty();
                        }));
  }

  public void stop() {
    synchronized (watches) {
      watches.forEach(Watch::cancel);
      watches.clear();
    }
  }

  private void onEvent(StoreEvent ev) {
    String key = ev.entry().key();
    String node;
    if (key.startsWith(Keys.NODES)) {
      node = key.substring(Keys.NODES.length());
    } else if (key.startsWith(NodeRecords.INSTANCES)) {
      node = key.substring(NodeRecords.INSTANCES.length());
    } else if (key.startsWith(NodeRecords.ASSIGNMENTS)) {
      node = key.substring(NodeRecords.ASSIGNMENTS.length());
    } else {
      return; // leases, tokens: nothing to serve
    }
    refresh(node);
  }

  /** Reads the node, its assignments and its report again; one refresh per node at a time. */
  private void refresh(String node) {
    synchronized (pending) {
      Future<Void> before = pending.getOrDefault(node, Future.succeededFuture());
      Future<Void> next = before.transform(x -> read(node));
      pending.put(node, next);
      next.onComplete(
          x -> {
            synchronized (pending) {
              pending.remove(node, next);
            }
          });
    }
  }

  private Future<Void> read(String node) {
    return Future.all(records.node(node), records.assignments(node), records.instances(node))
        .map(
            all -> {
              var n = all.<java.util.Optional<dev.skiff.api.model.Node>>resultAt(0);
              Condition ready = n.map(NodeRecords::readyCondition).orElse(null);
              boolean live;
              synchronized (followed) {
                live = ready != null && ready.isTrue();
                if (!live) {
                  if (!followed.remove(node)) {
                    return null; // not followed: nothing to withdraw
                  }
                } else {
                  followed.add(node);
                }
              }
              if (!live) {
                remote.lost(node);
                return null;
              }
              remote.reported(
                  node,
                  ReportFilter.apply(
                      node, n.get().spec().address(), all.resultAt(1), all.resultAt(2)));
              return null;
            })
        .<Void>mapEmpty()
        .recover(
            e -> {
              LOG.log(
                  System.Logger.Level.WARNING,
                  "could not read node {0}''s report: {1}",
                  node,
                  e.getMessage());
              return Future.succeededFuture();
            });
  }
}
