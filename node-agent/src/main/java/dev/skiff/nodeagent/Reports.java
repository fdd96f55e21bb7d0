package dev.skiff.nodeagent;

import dev.skiff.api.model.RevisionStatus;
import dev.skiff.api.node.RevisionStates;
import dev.skiff.api.node.v1.InstanceState;
import dev.skiff.api.node.v1.InstanceStatus;
import dev.skiff.api.node.v1.RevisionState;
import dev.skiff.api.stats.Stat;
import dev.skiff.node.Endpoint;
import dev.skiff.node.EndpointRegistry;
import dev.skiff.node.spi.StatsSink;
import dev.skiff.node.spi.StatusReporter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * What the node tells the control plane: its ready instances and each revision's status as the
 * runtime computes it (ReportInstances, the whole set, soon after every change of a revision's
 * endpoints or status and every {@code period} anyway, so a control plane that restarted or lost a
 * report learns them again), and every instance's stats (ReportStats, gathered and sent every
 * {@code statsPeriod}). Reports that fail are not retried: the next one carries the whole state
 * again.
 */
public final class Reports implements StatsSink, StatusReporter {
  private static final System.Logger LOG = System.getLogger(Reports.class.getName());
  private static final int MAX_STATS = 10_000;

  private final Vertx vertx;
  private final WorkCalls calls;
  private volatile EndpointRegistry endpoints;
  private final Supplier<Set<String>> revisions;
  private final Duration period;
  private final Duration statsPeriod;
  private final Queue<Stat> stats = new ConcurrentLinkedQueue<>();
  private final Map<String, RevisionStatus> statuses = new ConcurrentHashMap<>();
  private final Map<String, Runnable> watches = new HashMap<>();
  private volatile boolean pending;
  private volatile boolean stopped;
  private long timer = -1;
  private long statsTimer = -1;

  /**
   * @param endpoints the agent's endpoints; null to give them later with {@link #endpoints}
   * @param revisions the revisions to report, {@code ns/revision} (those the node was assigned)
   */
  public Reports(
      Vertx vertx,
      WorkCalls calls,
      EndpointRegistry endpoints,
      Supplier<Set<String>> revisions,
      Duration period,
      Duration statsPeriod) {
    this.vertx = Objects.requireNonNull(vertx);
    this.calls = Objects.requireNonNull(calls);
    this.endpoints = endpoints;
    this.revisions = Objects.requireNonNull(revisions);
    this.period = period;
    this.statsPeriod = statsPeriod;
  }

  /** The registry to report from, when it was not known at construction (it is the agent's). */
  public void endpoints(EndpointRegistry registry) {
    this.endpoints = Objects.requireNonNull(registry);
  }

  public void start() {
    Objects.requireNonNull(endpoints, "endpoints(..) first");
    timer = vertx.setPeriodic(period.toMillis(), t -> reportNow());
    statsTimer = vertx.setPeriodic(statsPeriod.toMillis(), t -> flushStats());
  }

  public void stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    vertx.cancelTimer(statsTimer);
    synchronized (watches) {
      watches.values().forEach(Runnable::run);
      watches.clear();
    }
  }

  /** Reports within a few milliseconds; changes close together make one report. */
  public void soon() {
    if (stopped || pending) {
      return;
    }
    pending = true;
    vertx.setTimer(
        20,
        t -> {
          pending = false;
          reportNow();
        });
  }

  /** Sends the whole set of instances now. */
  public void reportNow() {
    if (stopped) {
      return;
    }
    List<InstanceStatus> list = instances();
    List<RevisionState> states = revisionStates();
    calls
        .reportInstances(list, states)
        .onFailure(
            e ->
                LOG.log(
                    System.Logger.Level.DEBUG,
                    "reporting " + list.size() + " instances failed: " + e.getMessage()));
  }

  /** The node's ready instances now; watches revisions new to it so their changes report soon. */
  List<InstanceStatus> instances() {
    List<InstanceStatus> out = new ArrayList<>();
    for (String key : revisions.get()) {
      String[] p = key.split("/", 2);
      synchronized (watches) {
        watches.computeIfAbsent(key, k -> endpoints.watch(p[0], p[1], state -> soon()));
      }
      for (Endpoint e : endpoints.serving(p[0], p[1])) {
        InstanceStatus.Builder b =
            InstanceStatus.newBuilder()
                .setNamespace(p[0])
                .setRevision(p[1])
                .setInstance(e.instanceId())
                .setState(
                    e.listening()
                        ? InstanceState.INSTANCE_STATE_READY
                        : InstanceState.INSTANCE_STATE_STARTING);
        if (e.listening()) {
          String host = e.host().contains(":") ? "[" + e.host() + "]" : e.host();
          b.setEndpoint(host + ":" + e.port());
        }
        if (e.identity() != null) {
          b.setIdentity(e.identity());
        }
        out.add(b.build());
      }
    }
    return out;
  }

  /** The last status the runtime computed of each revision the node runs or ran. */
  List<RevisionState> revisionStates() {
    List<RevisionState> out = new ArrayList<>();
    for (String key : revisions.get()) {
      RevisionStatus s = statuses.get(key);
      if (s != null) {
        String[] p = key.split("/", 2);
        out.add(RevisionStates.toMessage(p[0], p[1], s));
      }
    }
    return out;
  }

  // -- StatusReporter: the runtime's revision status, on its context; sent with the instances ----

  @Override
  public Future<Void> report(String namespace, String revision, RevisionStatus status) {
    statuses.put(namespace + "/" + revision, status);
    soon();
    return Future.succeededFuture();
  }

  // -- StatsSink: the agent's per-second stats, on its context ------------------------------------

  @Override
  public void report(Stat stat) {
    if (stats.size() < MAX_STATS) {
      stats.add(stat);
    }
  }

  private void flushStats() {
    List<Stat> batch = new ArrayList<>();
    for (Stat s = stats.poll(); s != null; s = stats.poll()) {
      batch.add(s);
    }
    if (batch.isEmpty()) {
      return;
    }
    calls
        .reportStats(batch)
        .onFailure(
            e ->
                LOG.log(
                    System.Logger.Level.DEBUG,
                    "reporting " + batch.size() + " stats failed: " + e.getMessage()));
  }
}
