package dev.skiff.controlplane.internal.nodes;

import dev.skiff.api.model.Node;
import dev.skiff.api.model.Resources;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.ScalingSettings;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.api.validation.Quantities;
import dev.skiff.controlplane.Listing;
import dev.skiff.controlplane.internal.resources.Keys;
import dev.skiff.controlplane.internal.resources.Repository;
import dev.skiff.controlplane.nodes.Demand;
import dev.skiff.controlplane.nodes.Placement;
import dev.skiff.controlplane.spi.Entry;
import io.vertx.core.Future;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Places instances on the remote nodes and stores the result as each node's assignments (which the
 * node's WatchAssignments stream then carries). What a revision wants is the autoscaler's decision
 * ({@link Demand}) bounded by its min-scale and max-scale; a revision traffic names wants at least
 * its min-scale even before any decision, and one out of the route only what was decided for it (a
 * poked revision, say).
 */
public final class Placer {
  /** Requests of a template that names none. */
  static final long DEFAULT_CPU_MILLIS = 100;

  static final long DEFAULT_MEMORY_BYTES = 128L << 20;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final NodeRecords records;
  private final NodeLifecycle lifecycle;
  private final Repository repo;
  private final Demand demand;

  public Placer(NodeRecords records, NodeLifecycle lifecycle) {
    this(records, lifecycle, Demand.NONE);
  }

  public Placer(NodeRecords records, NodeLifecycle lifecycle, Demand demand) {
    this.records = records;
    this.lifecycle = lifecycle;
    this.repo = new Repository(records.store());
    this.demand = demand;
  }

  /**
   * One round: reads nodes, wants and assignments, places, writes what changed. Without nodes and
   * assignments it reads nothing more (a control plane without remote nodes).
   */
  public Future<Placement.Result> round() {
    return Future.all(records.nodes(), records.assignmentEntries())
        .compose(
            first -> {
              List<Node> nodes = first.<Listing<Node>>resultAt(0).items();
              List<Entry> entries = first.<Listing<Entry>>resultAt(1).items();
              if (nodes.isEmpty() && entries.isEmpty()) {
                return Future.succeededFuture(new Placement.Result(List.of(), List.of(), 0));
              }
              return Future.all(
                      repo.list(Keys.SERVICES, Service.class),
                      repo.list(Keys.REVISIONS, Revision.class))
                  .compose(
                      more ->
                          place(
                              nodes,
                              entries,
                              wants(
                                  more.<Listing<Service>>resultAt(0).items(),
                                  more.<Listing<Revision>>resultAt(1).items(),
                                  demand)));
            });
  }

  private Future<Placement.Result> place(
      List<Node> nodes, List<Entry> entries, List<Placement.Want> wants) {
    Map<String, List<NodeRecords.AssignmentRecord>> before = new HashMap<>();
    List<Placement.Assigned> current = new ArrayList<>();
    for (Entry e : entries) {
      String node = e.key().substring(NodeRecords.ASSIGNMENTS.length());
      List<NodeRecords.AssignmentRecord> list = NodeRecords.assignments(e);
      before.put(node, list);
      for (NodeRecords.AssignmentRecord a : list) {
        current.add(
            new Placement.Assigned(
                node,
                a.namespace(),
                a.revision(),
                a.instance(),
                a.kind(),
                a.cpuMillis(),
                a.memoryBytes()));
      }
    }
    Placement.Result r = Placement.place(states(nodes), current, wants, Placer::instanceId, 1);
    return save(nodes, before, r).map(r);
  }

  private List<Placement.NodeState> states(List<Node> nodes) {
    List<Placement.NodeState> out = new ArrayList<>();
    for (Node n : nodes) {
      String name = n.metadata().name();
      var ready = NodeRecords.readyCondition(n);
      var cap = NodeAdmin.capacity(n.spec());
      out.add(
          new Placement.NodeState(
              name,
              ready != null && ready.isTrue() && lifecycle.live(name),
              n.spec().schedulable(),
              Boolean.TRUE.equals(n.spec().drain()),
              Set.copyOf(n.spec().runtimes()),
              cap.cpuMillis(),
              cap.memoryBytes(),
              lifecycle.caches().of(name)));
    }
    return out;
  }

  /**
   * The image as nodes ask for it, so the cache preference matches what they report holding: the
   * template's reference until the revision records the digest a node pulled, then the repository
   * pinned to it (node-runtime's container backend does the same).
   */
  static String image(String image, Revision r) {
    String digest = r.status() == null ? null : r.status().imageDigest();
    if (digest == null || image.contains("@")) {
      return image;
    }
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    return (colon > slash ? image.substring(0, colon) : image) + "@" + digest;
  }

  static List<Placement.Want> wants(List<Service> services, List<Revision> revisions) {
    return wants(services, revisions, Demand.NONE);
  }

  static List<Placement.Want> wants(
      List<Service> services, List<Revision> revisions, Demand demand) {
    Map<String, Revision> byKey = new HashMap<>();
    for (Revision r : revisions) {
      byKey.put(r.metadata().namespaceOrDefault() + "/" + r.metadata().name(), r);
    }
    Set<String> routed = new LinkedHashSet<>();
    for (Service s : services) {
      if (s.status() == null) {
        continue;
      }
      for (TrafficTarget t : s.status().traffic()) {
        if (t.revisionName() != null) {
          routed.add(s.metadata().namespaceOrDefault() + "/" + t.revisionName());
        }
      }
    }
    Set<String> wanted = new LinkedHashSet<>(routed);
    wanted.addAll(demand.decided());
    List<Placement.Want> out = new ArrayList<>();
    for (String key : wanted) {
      Revision r = byKey.get(key);
      if (r == null || r.spec() == null || r.spec().template() == null) {
        continue;
      }
      RevisionTemplate t = r.spec().template();
      ScalingSettings scaling = ScalingSettings.of(t);
      int decided = demand.desired(r.metadata().namespaceOrDefault(), r.metadata().name());
      int min = routed.contains(key) ? scaling.minScale() : 0;
      int count = Math.max(min, decided);
      if (scaling.maxScale() > 0) {
        count = Math.min(count, Math.max(min, scaling.maxScale()));
      }
      if (count <= 0) {
        continue;
      }
      Resources res = t.resources();
      long cpu =
          res == null || res.cpu() == null ? DEFAULT_CPU_MILLIS : Quantities.millicores(res.cpu());
      long mem =
          res == null || res.memory() == null
              ? DEFAULT_MEMORY_BYTES
              : Quantities.bytes(res.memory());
      boolean container = t.image() != null;
      out.add(
          new Placement.Want(
              r.metadata().namespaceOrDefault(),
              r.metadata().name(),
              container ? "container" : "wasm",
              cpu,
              mem,
              container ? image(t.image(), r) : t.wasm() == null ? null : t.wasm().digest(),
              count));
    }
    return out;
  }

  private Future<Void> save(
      List<Node> nodes,
      Map<String, List<NodeRecords.AssignmentRecord>> before,
      Placement.Result r) {
    Map<String, List<NodeRecords.AssignmentRecord>> after = new HashMap<>();
    for (Node n : nodes) {
      after.put(n.metadata().name(), new ArrayList<>());
    }
    for (Placement.Assigned a : r.assignments()) {
      after
          .computeIfAbsent(a.node(), k -> new ArrayList<>())
          .add(
              new NodeRecords.AssignmentRecord(
                  a.namespace(),
                  a.revision(),
                  a.instance(),
                  a.kind(),
                  a.cpuMillis(),
                  a.memoryBytes()));
    }
    List<Future<?>> writes = new ArrayList<>();
    after.forEach(
        (node, list) -> {
          if (!list.equals(before.getOrDefault(node, List.of()))) {
            writes.add(records.saveAssignments(node, list));
          }
        });
    return Future.all(writes).mapEmpty();
  }

  private static String instanceId() {
    byte[] b = new byte[5];
    RANDOM.nextBytes(b);
    return "i-" + HexFormat.of().formatHex(b);
  }
}
