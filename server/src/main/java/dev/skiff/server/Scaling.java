package dev.skiff.server;

import dev.skiff.activator.spi.EndpointWatch;
import dev.skiff.activator.spi.RevisionEndpoints;
import dev.skiff.api.model.Condition;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.ScalingSettings;
import dev.skiff.api.stats.RevisionKey;
import dev.skiff.autoscaler.Autoscaler;
import dev.skiff.autoscaler.Decision;
import dev.skiff.autoscaler.spi.Endpoints;
import dev.skiff.autoscaler.spi.ScaleListener;
import dev.skiff.controlplane.events.EventLog;
import dev.skiff.controlplane.events.EventNote;
import dev.skiff.eventing.spi.LagListener;
import dev.skiff.gateway.spi.ActivatorRouting;
import dev.skiff.node.NodeAgent;
import dev.skiff.node.spi.Scaler;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The scale-to-zero loop of one JVM, between components that do not know each other: the node agent
 * says which revisions are active, the autoscaler decides their instance counts from the stats the
 * instances and the activator report, the agent runs that many, and the gateway sends a revision's
 * requests through the activator while it is at zero or short of burst capacity.
 */
final class Scaling
    implements Scaler,
        ScaleListener,
        Endpoints,
        ActivatorRouting,
        EndpointWatch,
        LagListener,
        dev.skiff.controlplane.nodes.Demand {
  private NodeAgent agent;
  private Autoscaler autoscaler;
  private final Map<RevisionKey, Decision> decisions = new ConcurrentHashMap<>();
  private final Map<RevisionKey, Integer> concurrency = new ConcurrentHashMap<>();
  private final Map<RevisionKey, String> services = new ConcurrentHashMap<>();
  private EventLog events;
  private final Map<String, LagFloor> lagFloors = new ConcurrentHashMap<>();

  /** Revisions out of the route that the agent still runs: decided without min-scale. */
  private final Set<RevisionKey> retired = ConcurrentHashMap.newKeySet();

  /** What one trigger's lag asks of its service ({@code ns/name}): at least this many instances. */
  private record LagFloor(String service, int instances) {}

  /**
   * Instances run on remote nodes only (skiffd without the node role): the decisions are
   * placement's input ({@link #desired}) and the in-process agent runs none.
   */
  private volatile boolean remoteOnly;

  void remoteOnly() {
    this.remoteOnly = true;
  }

  void agent(NodeAgent a) {
    this.agent = a;
  }

  void autoscaler(Autoscaler a) {
    this.autoscaler = a;
  }

  void events(EventLog log) {
    this.events = log;
  }

  // -- Scaler: the agent's active revisions -------------------------------------------------------

  @Override
  public void track(Revision r) {
    RevisionKey key = key(r);
    if (retired.remove(key)) {
      autoscaler.untrack(key); // back in the route: decided again with its own min-scale
    }
    onDesiredScale(key, start(r, ScalingSettings.of(r.spec().template())));
  }

  /**
   * Knative's rule for a revision no route reaches: decided like any other, from its load, but
   * without min-scale, so it reaches zero after the window and the grace once nothing comes.
   */
  @Override
  public void retire(Revision r) {
    RevisionKey key = key(r);
    retired.add(key);
    ScalingSettings settings = ScalingSettings.of(r.spec().template());
    if (settings.minScale() > 0) {
      // Settings are fixed per tracked revision: track it again, from what runs now.
      autoscaler.untrack(key);
      onDesiredScale(key, autoscaler.resume(key, withoutMinScale(settings)));
    }
  }

  @Override
  public void untrack(String namespace, String revision) {
    RevisionKey key = RevisionKey.of(namespace, revision);
    autoscaler.untrack(key);
    decisions.remove(key);
    services.remove(key);
    retired.remove(key);
  }

  /** Starts deciding for the revision; the caller applies the first decision. */
  private Decision start(Revision r, ScalingSettings settings) {
    RevisionKey key = key(r);
    concurrency.put(key, r.spec().template().containerConcurrencyOrDefault());
    services.put(key, r.spec().service());
    // A revision that served before this process started (a restart) resumes from what runs now
    // (nothing), scaling up on its first request; a new one starts at its initial scale.
    boolean servedBefore =
        r.status() != null
            && r.status().conditions().stream()
                .anyMatch(c -> "Ready".equals(c.type()) && c.isTrue());
    return servedBefore ? autoscaler.resume(key, settings) : autoscaler.track(key, settings);
  }

  private static RevisionKey key(Revision r) {
    return RevisionKey.of(r.metadata().namespaceOrDefault(), r.metadata().name());
  }

  private static ScalingSettings withoutMinScale(ScalingSettings s) {
    return new ScalingSettings(
        0,
        s.maxScale(),
        s.initialScale(),
        s.target(),
        s.targetUtilizationPercent(),
        s.window(),
        s.panicWindowPercent(),
        s.panicThresholdPercent(),
        s.scaleToZeroRetention(),
        s.metric(),
        s.targetBurstCapacity(),
        s.scaleDownDelay(),
        s.activationScale());
  }

  // -- ScaleListener: the autoscaler's decisions
  // ---------------------------------------------------

  @Override
  public void onDesiredScale(RevisionKey revision, Decision decision) {
    Decision previous = decisions.put(revision, decision);
    // The condition only changes when the count or the mode does, so it does not churn the store.
    boolean changed =
        previous == null
            || previous.desired() != decision.desired()
            || previous.panicking() != decision.panicking();
    Condition status =
        changed
            ? new Condition(
                "Autoscaled",
                "True",
                decision.panicking() ? "Panic" : "Stable",
                decision.desired() + " instances: " + decision.reason().text(),
                decision.changedAt())
            : null;
    int desired = Math.max(decision.desired(), lagFloor(revision));
    agent.scale(revision.namespace(), revision.name(), remoteOnly ? 0 : desired, status);
    if (desired == 0 && retired.contains(revision)) {
      agent.retire(revision.namespace(), revision.name()); // out of the route and at zero
    }
    if (previous != null && previous.desired() != decision.desired()) {
      record(revision, previous.desired(), decision);
    }
  }

  /** Records a scale change with the autoscaler's reason in the event log. */
  private void record(RevisionKey revision, int from, Decision decision) {
    EventLog log = events;
    if (log == null) {
      return;
    }
    int to = decision.desired();
    String reason = to == 0 ? "ScaledToZero" : to > from ? "ScaledUp" : "ScaledDown";
    log.record(
        EventNote.normal(
            revision.namespace(),
            "Revision",
            revision.name(),
            services.get(revision),
            reason,
            "scaled from " + from + " to " + to + ": " + decision.reason().text(),
            "autoscaler"));
  }

  // -- LagListener (eventing): KEDA's rule as a floor under the KPA's decision --------------------

  /**
   * KEDA's Kafka rule: {@code ceil(lag / lagThreshold)} instances, at most one per partition (more
   * consumers than partitions would idle); no lag asks for none, so the KPA alone may reach zero.
   */
  static int instancesForLag(long lag, int partitions, int lagThreshold) {
    if (lag <= 0) {
      return 0;
    }
    long n = (lag + lagThreshold - 1) / lagThreshold;
    return (int) Math.min(n, Math.max(1, partitions));
  }

  @Override
  public void onLag(
      String namespace,
      String service,
      String trigger,
      long lag,
      int partitions,
      int lagThreshold) {
    String svc = namespace + "/" + service;
    int n = instancesForLag(lag, partitions, lagThreshold);
    LagFloor before = lagFloors.put(namespace + "/" + trigger, new LagFloor(svc, n));
    if (before != null && before.instances() == n) {
      return;
    }
    // Every active revision of the service takes the new floor now; the KPA's later decisions
    // keep it (the autoscaler tells only of changes).
    decisions.forEach(
        (rev, d) -> {
          if (svc.equals(serviceKey(rev))) {
            agent.scale(
                rev.namespace(), rev.name(), remoteOnly ? 0 : Math.max(d.desired(), lagFloor(rev)));
          }
        });
  }

  /** {@code namespace/service} of a tracked revision, as lag floors name services; null if not. */
  private String serviceKey(RevisionKey revision) {
    String service = services.get(revision);
    return service == null ? null : revision.namespace() + "/" + service;
  }

  private int lagFloor(RevisionKey revision) {
    String svc = serviceKey(revision);
    int floor = 0;
    for (LagFloor f : lagFloors.values()) {
      if (f.service().equals(svc)) {
        floor = Math.max(floor, f.instances());
      }
    }
    return floor;
  }

  /**
   * A request arrived for the revision at zero (the activator's poke). A revision that left the
   * route and was taken to zero is no longer decided; the request (routed just before the route
   * changed) wakes it, so it is answered rather than left waiting for an instance that never comes.
   */
  void poke(String namespace, String revision) {
    RevisionKey key = RevisionKey.of(namespace, revision);
    var decided = autoscaler.poke(key);
    if (decided.isPresent()) {
      onDesiredScale(key, decided.get());
      return;
    }
    agent
        .wake(namespace, revision)
        .onSuccess(
            r -> {
              if (r == null) {
                return; // unknown or deleted: the activator's own timeout answers
              }
              ScalingSettings settings = withoutMinScale(ScalingSettings.of(r.spec().template()));
              start(r, settings); // its first decision (zero, say) is superseded by the poke's
              autoscaler.poke(key).ifPresent(d -> onDesiredScale(key, d));
              retired.add(key); // only now: that first zero must not retire it again
            });
  }

  // -- Demand (placement, with remote nodes only) -------------------------------------------------

  @Override
  public int desired(String namespace, String revision) {
    RevisionKey key = RevisionKey.of(namespace, revision);
    Decision d = decisions.get(key);
    return d == null ? -1 : Math.max(d.desired(), lagFloor(key));
  }

  @Override
  public Set<String> decided() {
    Set<String> out = new java.util.HashSet<>();
    decisions.forEach(
        (k, d) -> {
          if (Math.max(d.desired(), lagFloor(k)) > 0) {
            out.add(k.namespace() + "/" + k.name());
          }
        });
    return out;
  }

  // -- Endpoints (autoscaler) and ActivatorRouting (gateway)
  // ---------------------------------------

  @Override
  public int readyInstances(RevisionKey revision) {
    // Instances served in process while their listener binds count: they take requests.
    return agent.endpoints().servingCount(revision);
  }

  @Override
  public boolean activatorInPath(RevisionKey revision) {
    return viaActivator(revision.namespace(), revision.name());
  }

  @Override
  public boolean viaActivator(String namespace, String revision) {
    RevisionKey key = RevisionKey.of(namespace, revision);
    Decision d = decisions.get(key);
    // ready(): only instances whose listener is bound; the gateway calls over the network.
    return d == null
        || d.needsActivator()
        || agent.endpoints().ready(namespace, revision).isEmpty();
  }

  // -- EndpointWatch (activator)
  // -------------------------------------------------------------------

  @Override
  public Subscription watch(
      String namespace, String revision, Consumer<RevisionEndpoints> listener) {
    return RegistryEndpointWatch.watch(
        agent.endpoints(),
        namespace,
        revision,
        concurrency.getOrDefault(RevisionKey.of(namespace, revision), 0),
        listener);
  }
}
