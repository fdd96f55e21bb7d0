package dev.skiff.controlplane.internal.nodes;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.Node;
import dev.skiff.api.model.NodeSpec;
import dev.skiff.api.validation.Quantities;
import dev.skiff.controlplane.NotFoundException;
import dev.skiff.controlplane.spi.Entry;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the REST API offers about nodes beyond the resources: bootstrap tokens, nodes with their
 * lease and allocation, cordon, uncordon and drain.
 */
public final class NodeAdmin {
  private final NodeRecords records;
  private final BootstrapTokens tokens;
  private final Supplier<String> caBundle;

  public NodeAdmin(NodeRecords records, BootstrapTokens tokens, Supplier<String> caBundle) {
    this.records = records;
    this.tokens = tokens;
    this.caBundle = caBundle;
  }

  public BootstrapTokens tokens() {
    return tokens;
  }

  /**
   * A new bootstrap token ({@code joinsAs}: node, edge or null for either), with the CA bundle the
   * agent checks the node port against.
   */
  public Future<BootstrapTokens.Issued> createToken(String joinsAs, String node, Duration ttl) {
    return tokens.create(joinsAs, node, ttl, caBundle.get());
  }

  /** Every node, with allocation and lease, sorted by name. */
  public Future<List<NodeView>> views() {
    return Future.all(records.nodes(), records.assignmentEntries(), records.leases())
        .map(
            all -> {
              List<Node> nodes = all.<dev.skiff.controlplane.Listing<Node>>resultAt(0).items();
              Map<String, List<NodeRecords.AssignmentRecord>> byNode = new HashMap<>();
              for (Entry e : all.<dev.skiff.controlplane.Listing<Entry>>resultAt(1).items()) {
                byNode.put(
                    e.key().substring(NodeRecords.ASSIGNMENTS.length()),
                    NodeRecords.assignments(e));
              }
              Map<String, NodeRecords.LeaseRecord> leases = new HashMap<>();
              for (NodeRecords.LeaseRecord l : all.<List<NodeRecords.LeaseRecord>>resultAt(2)) {
                leases.put(l.node(), l);
              }
              List<NodeView> out = new ArrayList<>();
              for (Node n : nodes) {
                String name = n.metadata().name();
                out.add(
                    view(n, byNode.getOrDefault(name, List.of()), leases.get(name), false, null));
              }
              return out;
            });
  }

  /** One node with its assignments and last instance report; 404 when unknown. */
  public Future<NodeView> view(String name) {
    return records
        .node(name)
        .compose(
            found -> {
              if (found.isEmpty()) {
                return Future.failedFuture(notFound(name));
              }
              return Future.all(
                      records.assignments(name), records.lease(name), records.instances(name))
                  .map(
                      all ->
                          view(
                              found.get(),
                              all.resultAt(0),
                              all.<java.util.Optional<NodeRecords.LeaseRecord>>resultAt(1)
                                  .orElse(null),
                              true,
                              all.resultAt(2)));
            });
  }

  /** Cordons ({@code true}) or uncordons a node; uncordon also ends a drain. */
  public Future<NodeView> cordon(String name, boolean cordoned) {
    return records.updateSpec(name, s -> s.withCordoned(cordoned)).compose(n -> view(name));
  }

  /** Drains a node: cordoned, and its instances are placed elsewhere. */
  public Future<NodeView> drain(String name) {
    return records.updateSpec(name, s -> s.withDrain(true)).compose(n -> view(name));
  }

  private static NodeView view(
      Node n,
      List<NodeRecords.AssignmentRecord> assigned,
      NodeRecords.LeaseRecord lease,
      boolean detail,
      List<NodeRecords.InstanceRecord> instances) {
    NodeSpec s = n.spec();
    Condition ready = NodeRecords.readyCondition(n);
    long cpu = 0;
    long mem = 0;
    for (NodeRecords.AssignmentRecord a : assigned) {
      cpu += a.cpuMillis();
      mem += a.memoryBytes();
    }
    return new NodeView(
        n.metadata().name(),
        ready != null && ready.isTrue(),
        ready == null ? "Unknown" : ready.reason(),
        ready == null ? null : ready.message(),
        Boolean.TRUE.equals(s.cordoned()) || Boolean.TRUE.equals(s.drain()),
        Boolean.TRUE.equals(s.drain()),
        s.address(),
        s.runtimes(),
        capacity(s),
        new NodeView.Amount(cpu, mem),
        assigned.size(),
        lease == null ? null : lease.renewTime(),
        n.metadata().createdAt(),
        detail ? assigned : null,
        detail ? instances : null);
  }

  static NodeView.Amount capacity(NodeSpec s) {
    if (s.capacity() == null) {
      return new NodeView.Amount(0, 0);
    }
    long cpu = s.capacity().cpu() == null ? 0 : Quantities.millicores(s.capacity().cpu());
    long mem = s.capacity().memory() == null ? 0 : Quantities.bytes(s.capacity().memory());
    return new NodeView.Amount(cpu, mem);
  }

  private static NotFoundException notFound(String name) {
    return new NotFoundException("node " + name + " does not exist", "list nodes with skiff nodes");
  }
}
