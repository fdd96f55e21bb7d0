package dev.skiff.nodeagent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.api.node.v1.Assignment;
import dev.skiff.api.node.v1.AssignmentSet;
import dev.skiff.api.node.v1.RevisionResponse;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.node.NodeAgent;
import dev.skiff.node.spi.Scaler;
import dev.skiff.nodeagent.internal.Calls;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Runs a node's assignments on node-runtime's {@link NodeAgent}, the runtime skiffd runs in
 * process: it is the agent's {@link Scaler} (a revision gets as many instances as it has
 * assignments here), and its resource feed: each assigned revision is read once from the control
 * plane (GetRevision, with its service, whose mesh policy the sidecars need) and fed as if from the
 * store, with a service status that routes exactly the revisions assigned here. An unassigned
 * revision leaves that route and is taken to zero, its instances drained.
 *
 * <p>{@link #apply} may be called from any thread; the agent confines its own state.
 */
public final class AssignedWork implements Scaler {
  private static final System.Logger LOG = System.getLogger(AssignedWork.class.getName());

  private final Vertx vertx;
  private final WorkCalls calls;
  private final Consumer<ResourceEvent> feed;
  private volatile NodeAgent agent;

  /** Instances wanted per {@code ns/revision}. */
  private final Map<String, Integer> counts = new ConcurrentHashMap<>();

  /** Revisions read from the control plane, by {@code ns/revision}. */
  private final Map<String, Revision> revisions = new ConcurrentHashMap<>();

  /** Their services as read, by {@code ns/service}. */
  private final Map<String, Service> services = new ConcurrentHashMap<>();

  /** The route last fed per service, so a service is fed only when it changes. */
  private final Map<String, List<String>> routed = new HashMap<>();

  private final Set<String> fetching = ConcurrentHashMap.newKeySet();

  /**
   * @param feed where the resource events go: the agent's {@code onResourceEvent}, and the mesh
   *     fronts' so sidecars get the service's policy
   */
  public AssignedWork(Vertx vertx, WorkCalls calls, Consumer<ResourceEvent> feed) {
    this.vertx = Objects.requireNonNull(vertx);
    this.calls = Objects.requireNonNull(calls);
    this.feed = Objects.requireNonNull(feed);
  }

  /** The agent this scales; set before the first assignments arrive. */
  public void agent(NodeAgent a) {
    this.agent = a;
  }

  /** The revisions this node runs now, with how many instances each ({@code ns/revision}). */
  public Map<String, Integer> counts() {
    return new TreeMap<>(counts);
  }

  /** The revisions read so far, {@code ns/revision}: those the node runs or ran. */
  public Set<String> known() {
    return Set.copyOf(revisions.keySet());
  }

  /** Takes the node's whole assignment set. */
  public void apply(AssignmentSet set) {
    Map<String, Integer> next = new HashMap<>();
    for (Assignment a : set.getAssignmentsList()) {
      next.merge(a.getNamespace() + "/" + a.getRevision(), 1, Integer::sum);
    }
    for (String key : List.copyOf(counts.keySet())) {
      if (!next.containsKey(key)) {
        counts.remove(key);
        scale(key, 0);
      }
    }
    next.forEach(
        (key, n) -> {
          counts.put(key, n);
          if (revisions.containsKey(key)) {
            scale(key, n);
          } else {
            fetch(key);
          }
        });
    refreshRoutes();
  }

  private void scale(String key, int n) {
    String[] p = key.split("/", 2);
    agent.scale(p[0], p[1], n);
  }

  /** Reads an assigned revision and its service; tries again while it stays assigned. */
  private void fetch(String key) {
    if (!fetching.add(key)) {
      return;
    }
    String[] p = key.split("/", 2);
    calls
        .revision(p[0], p[1])
        .onComplete(
            ar -> {
              fetching.remove(key);
              if (ar.succeeded()) {
                learn(key, ar.result());
              } else if (Calls.statusOf(ar.cause()) == GrpcStatus.NOT_FOUND) {
                LOG.log(System.Logger.Level.INFO, "revision " + key + " is gone: " + ar.cause());
              } else if (counts.containsKey(key)) {
                LOG.log(
                    System.Logger.Level.WARNING,
                    "cannot read assigned revision " + key + "; trying again: " + ar.cause());
                vertx.setTimer(1000, t -> fetch(key));
              }
            });
  }

  private void learn(String key, RevisionResponse r) {
    Revision revision;
    Service service;
    try {
      revision = Json.mapper().readValue(r.getRevisionJson().toByteArray(), Revision.class);
      service =
          r.getServiceJson().isEmpty()
              ? null
              : Json.mapper().readValue(r.getServiceJson().toByteArray(), Service.class);
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "unreadable revision " + key + ": " + e);
      return;
    }
    if (service == null) {
      LOG.log(System.Logger.Level.WARNING, "revision " + key + " has no service; not run");
      return;
    }
    String ns = revision.metadata().namespaceOrDefault();
    services.put(ns + "/" + revision.spec().service(), service);
    revisions.put(key, revision);
    feed.accept(event(Revision.KIND, "/skiff/revisions/" + key, revision));
    refreshRoutes();
  }

  /** Feeds each service whose set of assigned revisions changed, routing exactly those. */
  private synchronized void refreshRoutes() {
    Map<String, List<String>> now = new HashMap<>();
    services.keySet().forEach(s -> now.put(s, new ArrayList<>()));
    revisions.forEach(
        (key, r) -> {
          if (counts.getOrDefault(key, 0) > 0) {
            String svc = r.metadata().namespaceOrDefault() + "/" + r.spec().service();
            now.computeIfAbsent(svc, k -> new ArrayList<>()).add(r.metadata().name());
          }
        });
    now.forEach(
        (svc, names) -> {
          names.sort(null);
          if (names.equals(routed.get(svc))) {
            return;
          }
          routed.put(svc, names);
          Service s = services.get(svc);
          List<TrafficTarget> traffic =
              names.stream().map(n -> TrafficTarget.revision(n, 0).withTag(n)).toList();
          feed.accept(
              event(
                  Service.KIND,
                  "/skiff/services/" + svc,
                  s.withStatus(new ServiceStatus(null, null, null, null, traffic, List.of()))));
        });
  }

  private static ResourceEvent event(String kind, String key, Object resource) {
    JsonNode tree = Json.mapper().valueToTree(resource);
    return new ResourceEvent(ResourceEvent.Type.PUT, kind, key, 0, tree);
  }

  // -- Scaler: the agent's active revisions, on its context ---------------------------------------

  @Override
  public void track(Revision r) {
    String key = r.metadata().namespaceOrDefault() + "/" + r.metadata().name();
    scale(key, counts.getOrDefault(key, 0));
  }

  @Override
  public void retire(Revision r) {
    // Unassigned: taken to zero now (drained), then no longer active.
    String ns = r.metadata().namespaceOrDefault();
    agent.scale(ns, r.metadata().name(), 0);
    agent.retire(ns, r.metadata().name());
  }

  @Override
  public void untrack(String namespace, String revision) {}
}
