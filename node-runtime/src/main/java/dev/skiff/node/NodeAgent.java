package dev.skiff.node;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.api.model.Service;
import dev.skiff.api.stats.RevisionKey;
import dev.skiff.api.stats.Stat;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.node.internal.DesiredRevisions;
import dev.skiff.node.internal.RevisionInstances;
import dev.skiff.node.internal.RevisionInstances.Running;
import dev.skiff.node.spi.Instance;
import dev.skiff.node.spi.InstanceExit;
import dev.skiff.node.spi.InstanceSpec;
import dev.skiff.node.spi.RuntimeBackend;
import dev.skiff.node.spi.Scaler;
import dev.skiff.node.spi.StatsSink;
import dev.skiff.node.spi.StatusReporter;
import dev.skiff.node.stats.RequestTracker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node agent: follows the resource feed, keeps as many instances of each active revision as its
 * {@link Scaler} asks for, publishes ready endpoints, reports readiness back and reports every
 * instance's request stats each second. All state is confined to the agent's own context; the
 * public methods may be called from any thread.
 */
public final class NodeAgent {
  private static final System.Logger LOG = System.getLogger(NodeAgent.class.getName());
  private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

  private final Vertx vertx;
  private final Context context;
  private final Map<String, RuntimeBackend> backends;
  private final StatusReporter reporter;
  private final Scaler scaler;
  private final StatsSink stats;
  private final EndpointRegistry endpoints;
  private final LogStore logs;
  private final Clock clock;
  private final Duration drain;
  private final Duration endpointGrace;
  private final Duration restartBackoff;
  private final MeterRegistry meters;
  private final Map<String, Service> services = new HashMap<>();
  private final Map<String, RevisionInstances> revisions = new HashMap<>();
  private final Set<String> active = new HashSet<>();
  private final AtomicLong instanceSeq = new AtomicLong();
  private final long sampleTimer;
  private final long reportTimer;

  private NodeAgent(Builder b) {
    this.vertx = b.vertx;
    this.context = b.vertx.getOrCreateContext();
    this.backends = Map.copyOf(b.backends);
    this.reporter = b.reporter;
    this.scaler = b.scaler;
    this.stats = b.stats;
    this.endpoints = new EndpointRegistry(b.vertx);
    this.logs = b.logs != null ? b.logs : new LogStore(10_000, b.clock);
    this.clock = b.clock;
    this.drain = b.drain;
    this.endpointGrace = b.endpointGrace;
    this.restartBackoff = b.restartBackoff;
    this.meters = b.meters;
    this.sampleTimer = vertx.setPeriodic(100, id -> context.runOnContext(v -> sample()));
    this.reportTimer = vertx.setPeriodic(1000, id -> context.runOnContext(v -> reportStats()));
  }

  public static Builder builder() {
    return new Builder();
  }

  public EndpointRegistry endpoints() {
    return endpoints;
  }

  public LogStore logs() {
    return logs;
  }

  /** Applies one change of the resource feed. */
  public void onResourceEvent(ResourceEvent e) {
    context.runOnContext(v -> apply(e));
  }

  /** Sets how many instances a revision should have (the autoscaler's decision). */
  public void scale(String namespace, String revision, int desired) {
    scale(namespace, revision, desired, null);
  }

  /**
   * Sets how many instances a revision should have, with the decision behind it for the revision's
   * status ({@code skiff describe}): a condition of type {@code Autoscaled}.
   */
  public void scale(String namespace, String revision, int desired, Condition decision) {
    context.runOnContext(
        v -> {
          RevisionInstances r = revisions.get(namespace + "/" + revision);
          if (r != null && active.contains(namespace + "/" + revision)) {
            r.desired(desired);
            if (decision != null) {
              r.decision(decision);
            }
            converge(r);
            report(r, r.everReady() || r.readyCount() > 0, null, null);
          }
        });
  }

  private void apply(ResourceEvent e) {
    switch (e.kind()) {
      case Service.KIND -> {
        if (e.type() == ResourceEvent.Type.DELETE) {
          services.remove(e.key());
        } else {
          services.put(e.key(), (Service) e.resource());
        }
      }
      case Revision.KIND -> {
        Revision r = (Revision) e.resource();
        String rk = key(r);
        if (e.type() == ResourceEvent.Type.DELETE) {
          RevisionInstances gone = revisions.get(rk);
          if (gone != null) {
            gone.deleted();
            gone.desired(0);
            converge(gone);
            revisions.remove(rk);
            unmeter(gone);
          }
        } else {
          revisions.computeIfAbsent(rk, k -> meter(new RevisionInstances(r))).revision(r);
        }
      }
      default -> {
        return;
      }
    }
    refreshActive();
  }

  /** Tells the scaler which revisions are active; inactive ones go to zero. */
  private void refreshActive() {
    List<Revision> known = revisions.values().stream().map(RevisionInstances::revision).toList();
    Set<String> now = DesiredRevisions.compute(services.values(), known);
    for (String rk : now) {
      if (active.add(rk)) {
        scaler.track(revisions.get(rk).revision());
      }
    }
    for (String rk : new ArrayList<>(active)) {
      if (!now.contains(rk)) {
        active.remove(rk);
        String[] p = rk.split("/", 2);
        scaler.untrack(p[0], p[1]);
        RevisionInstances r = revisions.get(rk);
        if (r != null) {
          r.desired(0);
          converge(r);
        }
      }
    }
  }

  private void converge(RevisionInstances r) {
    if (r.failed()) {
      return;
    }
    List<Running> list = r.instances();
    while (list.size() < r.desired()) {
      list.add(start(r));
    }
    while (list.size() > r.desired()) {
      // Stop the newest first: an instance still starting costs the least to give up.
      stop(r, list.remove(list.size() - 1));
    }
  }

  private Running start(RevisionInstances r) {
    Revision rev = r.revision();
    String ns = rev.metadata().namespaceOrDefault();
    String name = rev.metadata().name();
    String kind = rev.spec().template().workloadKind();
    String id = ns + "." + name + "." + instanceSeq.incrementAndGet();
    RuntimeBackend backend = backends.get(kind);
    RequestTracker tracker = new RequestTracker();
    boolean cold = r.readyCount() == 0;
    long t0 = System.nanoTime();
    Future<Instance> started =
        backend == null
            ? Future.failedFuture(
                new InstanceStartException(
                    "NoRuntime", "this node has no " + kind + " runtime", null))
            : backend.start(
                new InstanceSpec(id, rev, logs.sink(ns, rev.spec().service(), name, id), tracker));
    Running running = new Running(id, started, tracker, t0);
    started.onComplete(
        ar ->
            context.runOnContext(
                v -> {
                  boolean wanted = r.instances().contains(running);
                  if (ar.failed()) {
                    String reason =
                        ar.cause() instanceof InstanceStartException ise
                            ? ise.reason()
                            : "StartFailed";
                    if (r.everReady() && wanted) {
                      // It served before (this is a scale-up or a restart): try again, with
                      // backoff.
                      onEnded(r, running, new InstanceExit(reason, ar.cause().getMessage()));
                      return;
                    }
                    // A revision that never became ready fails, so its deploy reports why.
                    r.instances().remove(running);
                    r.failed(true);
                    LOG.log(
                        Level.WARNING,
                        "instance {0} failed to start: {1}",
                        id,
                        ar.cause().getMessage());
                    report(r, false, reason, ar.cause().getMessage());
                    return;
                  }
                  Instance inst = ar.result();
                  if (!wanted) {
                    inst.stop(drain);
                    return;
                  }
                  long took = System.nanoTime() - t0;
                  LOG.log(
                      Level.INFO,
                      "instance {0} ready at {1}:{2,number,#} in {3,number,#.#} ms",
                      id,
                      inst.host(),
                      inst.port(),
                      took / 1e6);
                  if (cold) {
                    Timer.builder("skiff.cold.start")
                        .description("From asking for the first instance to it being ready")
                        .tag("namespace", ns)
                        .tag("revision", name)
                        .publishPercentileHistogram()
                        .register(meters)
                        .record(took, TimeUnit.NANOSECONDS);
                  }
                  r.markReady();
                  if (inst.imageDigest() != null) {
                    r.imageDigest(inst.imageDigest());
                  }
                  endpoints.add(ns, name, new Endpoint(id, inst.host(), inst.port()));
                  report(r, true, null, null);
                  inst.ended()
                      .onSuccess(exit -> context.runOnContext(x -> onEnded(r, running, exit)));
                }));
    return running;
  }

  /** An instance ended by itself: withdraw it, and start another after a backoff. */
  private void onEnded(RevisionInstances r, Running running, InstanceExit exit) {
    if (!r.instances().remove(running)) {
      return; // already being stopped
    }
    Revision rev = r.revision();
    String ns = rev.metadata().namespaceOrDefault();
    endpoints.remove(ns, rev.metadata().name(), running.id());
    Duration backoff = r.nextBackoff(restartBackoff, MAX_BACKOFF);
    LOG.log(
        Level.WARNING,
        "instance {0} ended ({1}: {2}); restarting in {3} ms",
        running.id(),
        exit.reason(),
        exit.message(),
        backoff.toMillis());
    logs.sink(ns, rev.spec().service(), rev.metadata().name(), running.id())
        .line("host", "instance ended: " + exit.reason() + " (" + exit.message() + ")");
    boolean anyReady = r.readyCount() > 0;
    report(r, anyReady, anyReady ? null : exit.reason(), anyReady ? null : exit.message());
    vertx.setTimer(backoff.toMillis(), t -> context.runOnContext(v -> converge(r)));
  }

  private void stop(RevisionInstances r, Running running) {
    Revision rev = r.revision();
    String ns = rev.metadata().namespaceOrDefault();
    String name = rev.metadata().name();
    // Withdraw the endpoint first; requests that picked it a moment ago still finish: the instance
    // keeps serving for the grace, then drains what is in flight.
    endpoints.remove(ns, name, running.id());
    running
        .started()
        .onSuccess(
            inst ->
                vertx.setTimer(
                    Math.max(1, endpointGrace.toMillis()),
                    t ->
                        inst.stop(drain)
                            .onComplete(
                                ar -> LOG.log(Level.INFO, "instance {0} stopped", running.id()))));
    report(r, r.everReady(), null, null);
  }

  private void sample() {
    for (RevisionInstances r : revisions.values()) {
      for (Running i : r.instances()) {
        if (i.ready()) {
          i.tracker().sample();
        }
      }
    }
  }

  private void reportStats() {
    var now = clock.instant();
    for (RevisionInstances r : revisions.values()) {
      RevisionKey key =
          RevisionKey.of(
              r.revision().metadata().namespaceOrDefault(), r.revision().metadata().name());
      for (Running i : r.instances()) {
        if (i.ready()) {
          RequestTracker.Window w = i.tracker().drain();
          stats.report(
              Stat.builder(key, i.id(), now)
                  .withAverageConcurrency(w.averageConcurrency())
                  .withPeakConcurrency(w.peakConcurrency())
                  .withRequestCount(w.requests())
                  .build());
        }
      }
    }
  }

  private void report(RevisionInstances r, boolean ready, String reason, String message) {
    if (r.isDeleted()) {
      return; // nothing left to report on: the control plane deleted the revision
    }
    Revision rev = r.revision();
    RevisionStatus last = r.lastReported() != null ? r.lastReported() : rev.status();
    String want = ready ? "True" : reason == null ? "Unknown" : "False";
    Condition previousReady =
        last == null
            ? null
            : last.conditions().stream()
                .filter(c -> "Ready".equals(c.type()))
                .findFirst()
                .orElse(null);
    // Not ready without a reason is no failure: the revision is still getting its first instance.
    Condition c =
        previousReady != null
                && want.equals(previousReady.status())
                && java.util.Objects.equals(reason, previousReady.reason())
            ? previousReady
            : !ready && reason == null
                ? new Condition(
                    "Ready",
                    "Unknown",
                    "Deploying",
                    "waiting for the first instance",
                    clock.instant())
                : Condition.ready(ready, reason, message, clock.instant());
    List<Condition> conditions = r.decision() == null ? List.of(c) : List.of(c, r.decision());
    String digest =
        r.imageDigest() != null ? r.imageDigest() : last == null ? null : last.imageDigest();
    RevisionStatus status = new RevisionStatus(digest, r.desired(), r.readyCount(), conditions);
    if (status.equals(last)) {
      return;
    }
    r.lastReported(status);
    // One report at a time per revision, in order: a late "starting" must not overwrite "ready".
    String ns = rev.metadata().namespaceOrDefault();
    String name = rev.metadata().name();
    r.reports(
        r.reports()
            .transform(
                x ->
                    reporter
                        .report(ns, name, status)
                        .onFailure(
                            err ->
                                LOG.log(
                                    Level.WARNING,
                                    "cannot report status of {0}: {1}",
                                    name,
                                    err.getMessage()))));
  }

  /** Instances desired and ready, per revision, for /metrics. */
  private RevisionInstances meter(RevisionInstances r) {
    Revision rev = r.revision();
    io.micrometer.core.instrument.Tags tags =
        io.micrometer.core.instrument.Tags.of(
            "namespace", rev.metadata().namespaceOrDefault(), "revision", rev.metadata().name());
    io.micrometer.core.instrument.Gauge.builder(
            "skiff.instances.desired", r, RevisionInstances::desired)
        .description("Instances the autoscaler wants")
        .tags(tags)
        .register(meters);
    io.micrometer.core.instrument.Gauge.builder(
            "skiff.instances.ready", r, RevisionInstances::readyCount)
        .description("Instances ready to serve")
        .tags(tags)
        .register(meters);
    return r;
  }

  private void unmeter(RevisionInstances r) {
    Revision rev = r.revision();
    for (String name : List.of("skiff.instances.desired", "skiff.instances.ready")) {
      io.micrometer.core.instrument.Meter m =
          meters
              .find(name)
              .tag("namespace", rev.metadata().namespaceOrDefault())
              .tag("revision", rev.metadata().name())
              .meter();
      if (m != null) {
        meters.remove(m);
      }
    }
  }

  private static String key(Revision r) {
    return r.metadata().namespaceOrDefault() + "/" + r.metadata().name();
  }

  /** Stops every instance (draining) and closes the backends. */
  public Future<Void> close() {
    vertx.cancelTimer(sampleTimer);
    vertx.cancelTimer(reportTimer);
    List<Future<?>> stops = new ArrayList<>();
    for (RevisionInstances r : revisions.values()) {
      for (Running i : r.instances()) {
        stops.add(i.started().compose(inst -> inst.stop(drain), err -> Future.succeededFuture()));
      }
      r.instances().clear();
    }
    return Future.join(stops)
        .transform(
            ar -> Future.join(backends.values().stream().map(RuntimeBackend::close).toList()))
        .mapEmpty();
  }

  /** Builds a {@link NodeAgent}. */
  public static final class Builder {
    private Vertx vertx;
    private final Map<String, RuntimeBackend> backends = new HashMap<>();
    private StatusReporter reporter = (ns, rev, st) -> Future.succeededFuture();
    private Scaler scaler;
    private StatsSink stats = s -> {};
    private LogStore logs;
    private Clock clock = Clock.systemUTC();
    private Duration drain = Duration.ofSeconds(30);
    private Duration endpointGrace = Duration.ofSeconds(1);
    private Duration restartBackoff = Duration.ofSeconds(1);
    private MeterRegistry meters = new SimpleMeterRegistry();

    public Builder withVertx(Vertx v) {
      this.vertx = v;
      return this;
    }

    public Builder withBackend(RuntimeBackend b) {
      backends.put(b.kind(), b);
      return this;
    }

    public Builder withStatusReporter(StatusReporter r) {
      this.reporter = r;
      return this;
    }

    /** Who decides instance counts; without one, every active revision gets one instance. */
    public Builder withScaler(Scaler s) {
      this.scaler = s;
      return this;
    }

    public Builder withStatsSink(StatsSink s) {
      this.stats = s;
      return this;
    }

    public Builder withLogStore(LogStore l) {
      this.logs = l;
      return this;
    }

    public Builder withClock(Clock c) {
      this.clock = c;
      return this;
    }

    public Builder withMeterRegistry(MeterRegistry m) {
      this.meters = m;
      return this;
    }

    /** How long a stopping instance may finish in-flight requests. */
    public Builder withDrain(Duration d) {
      this.drain = d;
      return this;
    }

    /** How long a stopping instance keeps serving after its endpoint was withdrawn. */
    public Builder withEndpointGrace(Duration d) {
      this.endpointGrace = d;
      return this;
    }

    /** The first restart delay after an instance ended by itself; doubles up to 5 minutes. */
    public Builder withRestartBackoff(Duration d) {
      this.restartBackoff = d;
      return this;
    }

    public NodeAgent build() {
      if (vertx == null) {
        throw new IllegalStateException("withVertx is required");
      }
      if (scaler == null) {
        scaler = new OneEach();
      }
      NodeAgent agent = new NodeAgent(this);
      if (scaler instanceof OneEach one) {
        one.agent = agent;
      }
      return agent;
    }
  }

  /** Without an autoscaler: one instance for every active revision. */
  private static final class OneEach implements Scaler {
    private NodeAgent agent;

    @Override
    public void track(Revision r) {
      agent.scale(r.metadata().namespaceOrDefault(), r.metadata().name(), 1);
    }

    @Override
    public void untrack(String namespace, String revision) {}
  }
}
