package dev.skiff.controlplane.internal.nodes;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.Condition;
import dev.skiff.api.model.Node;
import dev.skiff.api.model.NodeSpec;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.controlplane.Listing;
import dev.skiff.controlplane.NotFoundException;
import dev.skiff.controlplane.internal.resources.Keys;
import dev.skiff.controlplane.internal.resources.ObjectWriter;
import dev.skiff.controlplane.internal.resources.Repository;
import dev.skiff.controlplane.internal.resources.Retry;
import dev.skiff.controlplane.spi.Entry;
import dev.skiff.controlplane.spi.Store;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * What the node service keeps in the store: the {@link Node} resources ({@code /skiff/nodes/}, in
 * the change feed: spec from registration and the admin, the Ready condition from the lease), and
 * outside the feed each node's lease ({@value #LEASES}), assignments ({@value #ASSIGNMENTS}) and
 * last instance report ({@value #INSTANCES}).
 */
public final class NodeRecords {
  public static final String LEASES = "/skiff-nodes/leases/";
  public static final String ASSIGNMENTS = "/skiff-nodes/assignments/";
  public static final String INSTANCES = "/skiff-nodes/instances/";

  /** A node's lease as stored: when it was last renewed and for how long. */
  public record LeaseRecord(String node, Instant renewTime, long leaseMillis) {}

  /** One instance assigned to a node. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record AssignmentRecord(
      String namespace,
      String revision,
      String instance,
      String kind,
      long cpuMillis,
      long memoryBytes) {}

  /** One instance as its node last reported it. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record InstanceRecord(
      String namespace,
      String revision,
      String instance,
      String state,
      String endpoint,
      String identity,
      String message) {}

  private static final TypeReference<List<AssignmentRecord>> ASSIGNMENT_LIST =
      new TypeReference<>() {};
  private static final TypeReference<List<InstanceRecord>> INSTANCE_LIST = new TypeReference<>() {};

  private final Store store;
  private final Repository repo;
  private final ObjectWriter<Node> writer;
  private final Clock clock;

  public NodeRecords(Store store, Clock clock) {
    this.store = store;
    this.repo = new Repository(store);
    this.writer = new ObjectWriter<>(repo, Node.class, Node::spec, clock);
    this.clock = clock;
  }

  public Store store() {
    return store;
  }

  /** Node {@code name}, if registered. */
  public Future<Optional<Node>> node(String name) {
    return repo.get(Keys.node(name), Node.class);
  }

  /** Every node. */
  public Future<Listing<Node>> nodes() {
    return repo.list(Keys.NODES, Node.class);
  }

  /**
   * Creates or updates node {@code name} with what its agent offers, keeping what the admin set
   * (cordon, drain) and marking it Ready.
   */
  public Future<Node> register(String name, NodeSpec offered) {
    return update(
        name,
        cur -> {
          NodeSpec spec =
              cur == null
                  ? offered
                  : new NodeSpec(
                      offered.address(),
                      offered.capacity(),
                      offered.runtimes(),
                      cur.spec().cordoned(),
                      cur.spec().drain());
          ObjectMeta meta = cur == null ? ObjectMeta.of(null, name) : cur.metadata();
          return new Node(null, null, meta, spec, readyStatus(cur, true, "Registered", null));
        },
        true);
  }

  /** Sets the Ready condition; nothing when it already says so. Fails 404 for an unknown node. */
  public Future<Node> setReady(String name, boolean ready, String reason, String message) {
    return update(
        name,
        cur -> {
          Condition c = readyCondition(cur);
          if (c != null && c.isTrue() == ready) {
            return null;
          }
          return cur.withStatus(readyStatus(cur, ready, reason, message));
        },
        false);
  }

  /** Changes the spec (cordon, drain) of node {@code name}; 404 when there is none. */
  public Future<Node> updateSpec(String name, UnaryOperator<NodeSpec> change) {
    return update(
        name,
        cur -> {
          NodeSpec next = change.apply(cur.spec());
          return next.equals(cur.spec())
              ? null
              : new Node(cur.apiVersion(), cur.kind(), cur.metadata(), next, cur.status());
        },
        false);
  }

  /** The node's Ready condition, or null. */
  public static Condition readyCondition(Node n) {
    if (n == null || n.status() == null) {
      return null;
    }
    return n.status().stream().filter(c -> "Ready".equals(c.type())).findFirst().orElse(null);
  }

  private List<Condition> readyStatus(Node cur, boolean ready, String reason, String message) {
    Condition before = readyCondition(cur);
    Instant at =
        before != null && before.isTrue() == ready && before.lastTransitionTime() != null
            ? before.lastTransitionTime()
            : clock.instant();
    List<Condition> out = new ArrayList<>();
    if (cur != null && cur.status() != null) {
      cur.status().stream().filter(c -> !"Ready".equals(c.type())).forEach(out::add);
    }
    out.add(Condition.ready(ready, ready ? null : reason, message, at));
    return out;
  }

  /**
   * Read-modify-write of one node, retried on conflicts. {@code change} gets the current node (null
   * when absent and {@code create}) and answers the next one, or null for no change.
   */
  private Future<Node> update(String name, UnaryOperator<Node> change, boolean create) {
    return Retry.onConflict(
        () ->
            node(name)
                .compose(
                    found -> {
                      if (found.isEmpty() && !create) {
                        return Future.failedFuture(
                            new NotFoundException(
                                "node " + name + " does not exist",
                                "list nodes with skiff nodes; a node agent registers itself"));
                      }
                      Node cur = found.orElse(null);
                      Node next = change.apply(cur);
                      if (next == null) {
                        return Future.succeededFuture(cur);
                      }
                      return writer.write(Keys.node(name), next, false).map(w -> w.resource());
                    }));
  }

  /** Stores {@code node}'s lease renewal. */
  public Future<Void> saveLease(String node, Instant renewed, long leaseMillis) {
    return put(LEASES + node, new LeaseRecord(node, renewed, leaseMillis));
  }

  /** Every stored lease. */
  public Future<List<LeaseRecord>> leases() {
    return store
        .list(LEASES)
        .map(es -> es.stream().map(e -> read(e.value(), LeaseRecord.class)).toList());
  }

  /** The node's stored lease, if any. */
  public Future<Optional<LeaseRecord>> lease(String node) {
    return store.get(LEASES + node).map(o -> o.map(e -> read(e.value(), LeaseRecord.class)));
  }

  /** Replaces the node's assignments. */
  public Future<Void> saveAssignments(String node, List<AssignmentRecord> assignments) {
    return put(ASSIGNMENTS + node, assignments);
  }

  /** The node's assignments (empty when none). */
  public Future<List<AssignmentRecord>> assignments(String node) {
    return store
        .get(ASSIGNMENTS + node)
        .map(o -> o.map(NodeRecords::assignments).orElse(List.of()));
  }

  /** Every node's assignments, as stored entries (key = {@value #ASSIGNMENTS}{node}). */
  public Future<Listing<Entry>> assignmentEntries() {
    return store.listing(ASSIGNMENTS);
  }

  public static List<AssignmentRecord> assignments(Entry e) {
    try {
      return Json.mapper().readValue(e.value(), ASSIGNMENT_LIST);
    } catch (IOException ex) {
      throw new UncheckedIOException("unreadable assignments " + e.key(), ex);
    }
  }

  /** A stored instance report (key = {@value #INSTANCES}{node}). */
  public static List<InstanceRecord> instances(Entry e) {
    try {
      return Json.mapper().readValue(e.value(), INSTANCE_LIST);
    } catch (IOException ex) {
      throw new UncheckedIOException("unreadable " + e.key(), ex);
    }
  }

  /** Replaces the node's instance report; answers the stored report's mod revision. */
  public Future<Long> saveInstances(String node, List<InstanceRecord> instances) {
    return store
        .put(INSTANCES + node, Json.write(instances).getBytes(StandardCharsets.UTF_8), Store.ANY)
        .map(Entry::modRevision);
  }

  /**
   * Deletes the node's instance report if its mod revision is {@code expected} ({@link Store#ANY}:
   * whatever is there); fails with a {@link dev.skiff.controlplane.StaleRevisionException} when a
   * newer report was stored meanwhile.
   */
  public Future<Boolean> clearInstances(String node, long expected) {
    return store.delete(INSTANCES + node, expected);
  }

  /** The node's last instance report (empty when none). */
  public Future<List<InstanceRecord>> instances(String node) {
    return store
        .get(INSTANCES + node)
        .map(
            o ->
                o.map(
                        e -> {
                          try {
                            return Json.mapper().readValue(e.value(), INSTANCE_LIST);
                          } catch (IOException ex) {
                            throw new UncheckedIOException("unreadable " + e.key(), ex);
                          }
                        })
                    .orElse(List.of()));
  }

  private Future<Void> put(String key, Object value) {
    return store.put(key, Json.write(value).getBytes(StandardCharsets.UTF_8), Store.ANY).mapEmpty();
  }

  private static <T> T read(byte[] value, Class<T> type) {
    try {
      return Json.mapper().readValue(value, type);
    } catch (IOException e) {
      throw new UncheckedIOException("unreadable node record: " + e.getMessage(), e);
    }
  }
}
