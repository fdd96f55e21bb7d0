package dev.skiff.node;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.Revision;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.node.internal.EnvResolvingBackend;
import dev.skiff.node.internal.InstanceSupervisor;
import dev.skiff.node.internal.NodeCapacity;
import dev.skiff.node.internal.ResourceFeed;
import dev.skiff.node.internal.RevisionInstances;
import dev.skiff.node.internal.RevisionMeters;
import dev.skiff.node.internal.StatsLoop;
import dev.skiff.node.internal.StatusReports;
import dev.skiff.node.internal.VertxTicker;
import dev.skiff.node.spi.EnvSources;
import dev.skiff.node.spi.FileDescriptors;
import dev.skiff.node.spi.FrontDoor;
import dev.skiff.node.spi.RuntimeBackend;
import dev.skiff.node.spi.Scaler;
import dev.skiff.node.spi.StatsSink;
import dev.skiff.node.spi.StatusReporter;
import dev.skiff.node.spi.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The node agent: follows the resource feed ({@code ResourceFeed}), keeps as many instances of each
 * active revision as its {@link Scaler} asks for ({@code InstanceSupervisor}), publishes ready
 * endpoints, reports readiness back ({@code StatusReports}) and every instance's request stats on a
 * timer ({@code StatsLoop}). All state is confined to the agent's own context; the public methods
 * may be called from any thread.
 */
public final class NodeAgent implements ResourceFeed.Listener {
  /** How long a start may take before it is given up, unless the builder says otherwise. */
  public static final Duration DEFAULT_START_TIMEOUT = Duration.ofMinutes(2);

  private final Context context;
  private final Executor onAgent;
  private final Map<String, RuntimeBackend> backends;
  private final Scaler scaler;
  private final EndpointRegistry endpoints;
  private final LogStore logs;
  private final StatusReports reports;
  private final ResourceFeed feed;
  private final InstanceSupervisor supervisor;
  private final StatsLoop stats;
  private final String nodeName;

  private NodeAgent(Builder b) {
    this.context = b.vertx.getOrCreateContext();
    this.onAgent = task -> context.runOnContext(v -> task.run());
    // Env read from secrets and config maps is resolved as each instance starts, for every kind.
    this.backends = EnvResolvingBackend.wrapAll(b.backends, b.envSources);
    this.scaler = b.scaler;
    this.endpoints = new EndpointRegistry(b.vertx);
    this.logs = b.logs != null ? b.logs : new LogStore(10_000, b.clock);
    this.nodeName = b.nodeName;
    Ticker ticker = b.ticker != null ? b.ticker : new VertxTicker(b.vertx);
    RevisionMeters meters = new RevisionMeters(b.meters);
    this.reports = new StatusReports(b.reporter, b.clock);
    this.feed = new ResourceFeed(this, meters);
    this.supervisor =
        new InstanceSupervisor(
            backends,
            b.fronts != null ? b.fronts : new LoopbackFront(b.vertx, "127.0.0.1"),
            endpoints,
            logs,
            reports,
            meters,
            ticker,
            onAgent,
            b.clock,
            new InstanceSupervisor.Settings(
                b.drain,
                b.endpointGrace,
                b.restartBackoff,
                b.maxBackoff,
                b.startAttempts,
                b.startTimeout),
            new NodeCapacity(b.limits, b.fds, feed::revisions),
            feed::revisions,
            b.instanceEvents);
    this.stats =
        new StatsLoop(
            feed::withInstances, b.stats, b.clock, ticker, onAgent, b.sampleEvery, b.reportEvery);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The memory instances may request by default: 80 % of the machine's. */
  public static long defaultNodeMemory() {
    return NodeCapacity.Limits.defaultMemory();
  }

  public EndpointRegistry endpoints() {
    return endpoints;
  }

  public LogStore logs() {
    return logs;
  }

  /**
   * Every instance of {@code namespace} on this node (of {@code service} only, unless null):
   * starting, ready and draining, sorted by service, revision and name.
   */
  public Future<List<InstanceInfo>> instances(String namespace, String service) {
    return Future.future(
        p ->
            onAgent.execute(
                () -> {
                  List<InstanceInfo> out = new ArrayList<>();
                  for (RevisionInstances r : feed.revisions()) {
                    if (r.namespace().equals(namespace)
                        && (service == null || r.service().equals(service))) {
                      r.instances().forEach(i -> out.add(info(r, i, false)));
                      r.draining().forEach(i -> out.add(info(r, i, true)));
                    }
                  }
                  out.sort(
                      Comparator.comparing(InstanceInfo::service)
                          .thenComparing(InstanceInfo::revision)
                          .thenComparing(InstanceInfo::name));
                  p.complete(out);
                }));
  }

  private InstanceInfo info(RevisionInstances r, RevisionInstances.Running i, boolean draining) {
    RevisionInstances.Serving s = i.serving();
    String state =
        draining ? InstanceInfo.DRAINING : s == null ? InstanceInfo.STARTING : InstanceInfo.READY;
    return new InstanceInfo(
        i.id(),
        r.namespace(),
        r.service(),
        r.name(),
        r.revision().spec().template().workloadKind(),
        nodeName,
        state,
        s == null ? null : s.since(),
        r.exits(),
        s == null || !s.front().listening().succeeded()
            ? null
            : hostPort(s.front().host(), s.front().port()),
        s == null ? null : s.front().identity());
  }

  private static String hostPort(String host, int port) {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  /** Applies one change of the resource feed. */
  public void onResourceEvent(ResourceEvent e) {
    onAgent.execute(() -> feed.apply(e));
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
    long asked = System.nanoTime();
    onAgent.execute(
        () -> {
          RevisionInstances r = feed.active(namespace, revision);
          if (r != null) {
            r.desired(desired);
            r.scaleAskedNanos(asked);
            if (decision != null) {
              r.decision(decision);
            }
            supervisor.converge(r);
            supervisor.reportScaled(r);
          }
        });
  }

  /**
   * The scaler took a revision that left the route to zero: it is no longer active (its scaler
   * hears {@code untrack}). Does nothing for a routed revision or one that wants instances again.
   */
  public void retire(String namespace, String revision) {
    onAgent.execute(
        () -> {
          RevisionInstances r = feed.active(namespace, revision);
          if (r != null) {
            feed.retired(r);
          }
        });
  }

  /**
   * A request arrived for a revision that left the route and was taken to zero (the gateway chose
   * it just before the route changed): makes it active again, retiring, so its scaler starts an
   * instance for the request and later takes it back to zero. Completes with the revision, or null
   * when it is unknown, deleted or already active (its scaler already decides it).
   */
  public Future<Revision> wake(String namespace, String revision) {
    return Future.future(
        p ->
            onAgent.execute(
                () -> {
                  RevisionInstances r = feed.wake(namespace, revision);
                  p.complete(r == null ? null : r.revision());
                }));
  }

  // -- ResourceFeed.Listener, on the agent's context ---------------------------------------------

  @Override
  public void activated(RevisionInstances r) {
    scaler.track(r.revision());
  }

  @Override
  public void retiring(RevisionInstances r) {
    scaler.retire(r.revision());
  }

  @Override
  public void deactivated(String namespace, String revision, RevisionInstances r) {
    scaler.untrack(namespace, revision);
    if (r != null) {
      r.desired(0);
      supervisor.converge(r);
    }
  }

  @Override
  public void deleted(RevisionInstances r) {
    supervisor.deleted(r);
  }

  @Override
  public void redeployed(Collection<RevisionInstances> revisionsOfService) {
    revisionsOfService.forEach(supervisor::retry);
  }

  /** Stops every instance (draining) and closes the backends. */
  public Future<Void> close() {
    stats.stop();
    return Future.<Void>future(
            p -> onAgent.execute(() -> supervisor.stopAll(feed.revisions()).onComplete(p)))
        .transform(
            ar -> Future.join(backends.values().stream().map(RuntimeBackend::close).toList()))
        .mapEmpty();
  }

  /** Builds a {@link NodeAgent}. */
  public static final class Builder {
    private Vertx vertx;
    private final Map<String, RuntimeBackend> backends = new HashMap<>();
    private EnvSources envSources = EnvSources.NONE;
    private StatusReporter reporter = (ns, rev, st) -> Future.succeededFuture();
    private Scaler scaler;
    private StatsSink stats = s -> {};
    private dev.skiff.node.spi.InstanceEvents instanceEvents =
        dev.skiff.node.spi.InstanceEvents.NONE;
    private LogStore logs;
    private Clock clock = Clock.systemUTC();
    private Ticker ticker;
    private Duration drain = Duration.ofSeconds(30);
    private Duration endpointGrace = Duration.ofSeconds(1);
    private Duration restartBackoff = Duration.ofSeconds(1);
    private Duration maxBackoff = Duration.ofMinutes(5);
    private int startAttempts = 3;
    private Duration startTimeout = DEFAULT_START_TIMEOUT;
    private Duration sampleEvery = Duration.ofMillis(100);
    private Duration reportEvery = Duration.ofSeconds(1);
    private MeterRegistry meters = new SimpleMeterRegistry();
    private NodeCapacity.Limits limits = NodeCapacity.Limits.DEFAULTS;
    private FileDescriptors fds = FileDescriptors.ofThisProcess();
    private FrontDoor fronts;
    private String nodeName = "local";

    public Builder withVertx(Vertx v) {
      this.vertx = v;
      return this;
    }

    public Builder withBackend(RuntimeBackend b) {
      backends.put(b.kind(), b);
      return this;
    }

    /**
     * Where env references ({@code envValueFrom}, {@code envFrom}) are read when an instance
     * starts; without one, an instance with references fails to start saying the source is missing.
     */
    public Builder withEnvSources(EnvSources s) {
      this.envSources = java.util.Objects.requireNonNull(s, "envSources");
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

    /** Who hears instances start, fail and end (skiffd's event log); default nobody. */
    public Builder withInstanceEvents(dev.skiff.node.spi.InstanceEvents e) {
      this.instanceEvents = java.util.Objects.requireNonNull(e);
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

    /** Drives every timer of the agent; Vert.x timers by default. */
    public Builder withTicker(Ticker t) {
      this.ticker = t;
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

    /**
     * The first delay before starting again after an instance failed to start or ended by itself;
     * doubles per restart up to {@link #withMaxBackoff} (5 minutes by default).
     */
    public Builder withRestartBackoff(Duration d) {
      this.restartBackoff = d;
      return this;
    }

    public Builder withMaxBackoff(Duration d) {
      this.maxBackoff = d;
      return this;
    }

    /**
     * Failed starts in a row after which a revision that never became ready gives up: Ready=False
     * with the reason, requests fail fast, until the service is deployed again. 3 by default.
     */
    public Builder withStartAttempts(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("start attempts must be at least 1, got " + n);
      }
      this.startAttempts = n;
      return this;
    }

    /**
     * How long a start may take before it is given up as a failed start (reason {@code
     * StartTimedOut}) and retried with backoff; an image pull's progress restarts the count. 2
     * minutes by default.
     */
    public Builder withStartTimeout(Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("start timeout must be positive, got " + d);
      }
      this.startTimeout = d;
      return this;
    }

    /** How often ready instances' concurrency is sampled (100 ms by default). */
    public Builder withSampleInterval(Duration d) {
      this.sampleEvery = d;
      return this;
    }

    /** How often each instance's stats go to the stats sink (1 s by default). */
    public Builder withStatsInterval(Duration d) {
      this.reportEvery = d;
      return this;
    }

    /**
     * What the node admits: at most {@code perRevision} instances of one revision (100 by default)
     * and {@code perNode} in all (1000), instances' memory requests up to {@code memoryBytes} (80 %
     * of the machine's), and {@code fdReserve} file descriptors left free (1024). Starts beyond
     * them wait, and the revision's status says why.
     */
    public Builder withCapacity(int perRevision, int perNode, long memoryBytes, long fdReserve) {
      if (perRevision < 1 || perNode < 1 || memoryBytes < 1 || fdReserve < 0) {
        throw new IllegalArgumentException(
            "capacity limits must be positive: per revision "
                + perRevision
                + ", per node "
                + perNode
                + ", memory "
                + memoryBytes
                + ", fd reserve "
                + fdReserve);
      }
      this.limits = new NodeCapacity.Limits(perRevision, perNode, memoryBytes, fdReserve);
      return this;
    }

    /**
     * What the agent puts in front of each instance it starts (the address it publishes); by
     * default a {@link LoopbackFront} on 127.0.0.1, plaintext.
     */
    public Builder withFrontDoor(FrontDoor f) {
      this.fronts = f;
      return this;
    }

    /** The node's name in {@link #instances}; {@code local} by default. */
    public Builder withNodeName(String name) {
      this.nodeName = Objects.requireNonNull(name, "name");
      return this;
    }

    /** Where the file-descriptor counts come from; this process's by default. */
    public Builder withFileDescriptors(FileDescriptors f) {
      this.fds = f;
      return this;
    }

    public NodeAgent build() {
      if (vertx == null) {
        throw new IllegalStateException("withVertx is required");
      }
      OneEach one = scaler == null ? new OneEach() : null;
      if (one != null) {
        scaler = one;
      }
      NodeAgent agent = new NodeAgent(this);
      if (one != null) {
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
    public void retire(Revision r) {
      // No autoscaler to take it down later: it goes now (after the endpoint grace and a drain).
      agent.scale(r.metadata().namespaceOrDefault(), r.metadata().name(), 0);
      agent.retire(r.metadata().namespaceOrDefault(), r.metadata().name());
    }

    @Override
    public void untrack(String namespace, String revision) {}
  }
}
