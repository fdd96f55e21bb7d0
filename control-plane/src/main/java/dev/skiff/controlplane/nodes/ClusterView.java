package dev.skiff.controlplane.nodes;

import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.Condition;
import dev.skiff.api.model.Node;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.controlplane.internal.nodes.NodeRecords;
import dev.skiff.controlplane.internal.nodes.ReportFilter;
import dev.skiff.controlplane.internal.resources.Keys;
import dev.skiff.controlplane.internal.resources.ResourceFeed;
import dev.skiff.controlplane.spi.Entry;
import dev.skiff.controlplane.spi.Store;
import dev.skiff.controlplane.spi.StoreEvent;
import dev.skiff.controlplane.spi.Watch;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a process apart from the control plane (an edge: gateway and activator) learns from the
 * store alone, so it keeps serving while the control plane is down or restarting: every resource
 * (the change feed), and the instances remote nodes run, from their stored reports ({@code
 * /skiff-nodes/instances/}) under the same rule the node port applies (revisions assigned to the
 * node, endpoints on its registered address), followed only while the node's {@code Ready}
 * condition is true. The control plane writes {@code Ready=False} when a node's lease runs out;
 * with the control plane down nobody does, and the edge keeps what it knows.
 *
 * <pre>{@code
 * ClusterView view = new ClusterView(store);
 * view.follow(gateway::onResourceEvent).await();
 * view.followInstances(remoteEndpoints).await();
 * }</pre>
 */
public final class ClusterView {
  private static final System.Logger LOG = System.getLogger(ClusterView.class.getName());
  private final Store store;
  private final Map<String, NodeState> nodes = new HashMap<>();
  private final List<Watch> watches = new java.util.concurrent.CopyOnWriteArrayList<>();
  private RemoteInstances remote = RemoteInstances.NONE;

  /** What is known of one node. */
  private static final class NodeState {
    String address;
    boolean ready;
    List<NodeRecords.AssignmentRecord> assigned = List.of();
    List<NodeRecords.InstanceRecord> reported = List.of();
    boolean followed;
  }

  public ClusterView(Store store) {
    this.store = Objects.requireNonNull(store);
  }

  /**
   * List-then-watch over every resource, as the control plane's in-process followers get it. The
   * handler runs on the caller's Vert.x context if there is one, one event at a time.
   */
  public Future<Watch> follow(Handler<ResourceEvent> handler) {
    return new ResourceFeed(store).follow(handler).onSuccess(watches::add);
  }

  /**
   * Follows every node's Ready condition, address, assignments and instance report, and tells
   * {@code to} each Ready node's instances (the whole set at each change) and each node that stops
   * being Ready or is deleted. Completes once the current state was handed over.
   */
  public Future<Void> followInstances(RemoteInstances to) {
    this.remote = Objects.requireNonNull(to);
    return followPrefix(Keys.NODES, this::onNode)
        .compose(v -> followPrefix(NodeRecords.ASSIGNMENTS, this::onAssignments))
        .compose(v -> followPrefix(NodeRecords.INSTANCES, this::onInstances));
  }

  /** Stops every watch. */
  public void close() {
    watches.forEach(Watch::cancel);
    watches.clear();
  }

  private Future<Void> followPrefix(String prefix, Handler<StoreEvent> handler) {
    return store
        .listing(prefix)
        .compose(
            listing -> {
              for (Entry e : listing.items()) {
                handler.handle(new StoreEvent(StoreEvent.Type.PUT, e));
              }
              Watch w = store.watch(prefix, listing.revision(), handler);
              watches.add(w);
              return w.started().<Void>mapEmpty();
            });
  }

  private synchronized void onNode(StoreEvent e) {
    String name = e.entry().key().substring(Keys.NODES.length());
    NodeState n = state(name);
    if (e.type() == StoreEvent.Type.DELETE) {
      n.ready = false;
    } else {
      Node node = read(e.entry(), Node.class);
      Condition ready = NodeRecords.readyCondition(node);
      n.address = node == null || node.spec() == null ? null : node.spec().address();
      n.ready = ready != null && ready.isTrue();
    }
    publish(name, n);
  }

  private synchronized void onAssignments(StoreEvent e) {
    String name = e.entry().key().substring(NodeRecords.ASSIGNMENTS.length());
    NodeState n = state(name);
    try {
      n.assigned =
          e.type() == StoreEvent.Type.DELETE ? List.of() : NodeRecords.assignments(e.entry());
    } catch (java.io.UncheckedIOException ex) {
      LOG.log(System.Logger.Level.WARNING, "ignoring unreadable " + e.entry().key(), ex);
      n.assigned = List.of(); // nothing assigned that can be read: nothing of the node followed
    }
    publish(name, n);
  }

  private synchronized void onInstances(StoreEvent e) {
    String name = e.entry().key().substring(NodeRecords.INSTANCES.length());
    NodeState n = state(name);
    try {
      n.reported =
          e.type() == StoreEvent.Type.DELETE ? List.of() : NodeRecords.instances(e.entry());
    } catch (java.io.UncheckedIOException ex) {
      LOG.log(System.Logger.Level.WARNING, "ignoring unreadable " + e.entry().key(), ex);
      n.reported = List.of();
    }
    publish(name, n);
  }

  private NodeState state(String name) {
    return nodes.computeIfAbsent(name, k -> new NodeState());
  }

  private void publish(String name, NodeState n) {
    if (n.ready) {
      n.followed = true;
      remote.reported(name, ReportFilter.apply(name, n.address, n.assigned, n.reported));
    } else if (n.followed) {
      n.followed = false;
      remote.lost(name);
    }
  }

  private static <T> T read(Entry e, Class<T> type) {
    try {
      return Json.mapper().readValue(e.value(), type);
    } catch (IOException ex) {
      return null; // unreadable: treated as a node that is not Ready
    }
  }
}
