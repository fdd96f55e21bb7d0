package dev.skiff.node;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.api.model.Service;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.node.internal.DesiredRevisions;
import dev.skiff.node.spi.Instance;
import dev.skiff.node.spi.InstanceSpec;
import dev.skiff.node.spi.RuntimeBackend;
import dev.skiff.node.spi.StatusReporter;
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
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node agent: follows the resource feed, keeps an instance running for every revision that should
 * have one, publishes ready endpoints and reports readiness back. All state is confined to the
 * agent's own context; {@link #onResourceEvent} may be called from any thread.
 */
public final class NodeAgent {
  private static final System.Logger LOG = System.getLogger(NodeAgent.class.getName());

  private final Vertx vertx;
  private final Context context;
  private final Map<String, RuntimeBackend> backends;
  private final StatusReporter reporter;
  private final EndpointRegistry endpoints;
  private final LogStore logs;
  private final Clock clock;
  private final Duration drain;
  private final Map<String, Service> services = new HashMap<>();
  private final Map<String, Revision> revisions = new HashMap<>();
  private final Map<String, Future<Instance>> running = new HashMap<>();
  private final Set<String> failed = new HashSet<>();
  private final AtomicLong instanceSeq = new AtomicLong();

  private NodeAgent(Builder b) {
    this.vertx = b.vertx;
    this.context = b.vertx.getOrCreateContext();
    this.backends = Map.copyOf(b.backends);
    this.reporter = b.reporter;
    this.endpoints = new EndpointRegistry(b.vertx);
    this.logs = b.logs != null ? b.logs : new LogStore(10_000, b.clock);
    this.clock = b.clock;
    this.drain = b.drain;
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

  private void apply(ResourceEvent e) {
    String key = e.key();
    switch (e.kind()) {
      case Service.KIND -> {
        if (e.type() == ResourceEvent.Type.DELETE) {
          services.remove(key);
        } else {
          services.put(key, (Service) e.resource());
        }
      }
      case Revision.KIND -> {
        Revision r = (Revision) e.resource();
        String rk = revisionKey(r);
        if (e.type() == ResourceEvent.Type.DELETE) {
          revisions.remove(rk);
          failed.remove(rk);
        } else {
          revisions.put(rk, r);
        }
      }
      default -> {
        return;
      }
    }
    reconcile();
  }

  private void reconcile() {
    Set<String> desired = DesiredRevisions.compute(services.values(), revisions.values());
    for (String rk : desired) {
      if (!running.containsKey(rk) && !failed.contains(rk)) {
        start(revisions.get(rk));
      }
    }
    for (String rk : new ArrayList<>(running.keySet())) {
      if (!desired.contains(rk)) {
        stop(rk);
      }
    }
  }

  private void start(Revision r) {
    String rk = revisionKey(r);
    String ns = r.metadata().namespaceOrDefault();
    String rev = r.metadata().name();
    RuntimeBackend backend = backends.get(r.spec().template().workloadKind());
    if (backend == null) {
      failed.add(rk);
      report(r, false, "NoRuntime", "this node has no " + r.spec().template().workloadKind() + " runtime");
      return;
    }
    String id = ns + "." + rev + "." + instanceSeq.incrementAndGet();
    InstanceSpec spec = new InstanceSpec(id, r, logs.sink(ns, r.spec().service(), rev, id));
    long t0 = System.nanoTime();
    Future<Instance> started = backend.start(spec);
    running.put(rk, started);
    started.onComplete(
        ar -> context.runOnContext(v -> {
          if (ar.failed()) {
            running.remove(rk);
            failed.add(rk);
            String reason = ar.cause() instanceof InstanceStartException ise ? ise.reason() : "StartFailed";
            LOG.log(Level.WARNING, "instance {0} failed to start: {1}", id, ar.cause().getMessage());
            report(r, false, reason, ar.cause().getMessage());
            return;
          }
          Instance inst = ar.result();
          LOG.log(Level.INFO, "instance {0} ready at {1}:{2,number,#} in {3,number,#.#} ms",
              id, inst.host(), inst.port(), (System.nanoTime() - t0) / 1e6);
          if (running.get(rk) != started) {
            inst.stop(drain);
            return;
          }
          endpoints.add(ns, rev, new Endpoint(id, inst.host(), inst.port()));
          report(r, true, null, null);
        }));
  }

  private void stop(String rk) {
    Future<Instance> f = running.remove(rk);
    Revision r = revisions.get(rk);
    f.onSuccess(inst -> {
      String[] parts = rk.split("/", 2);
      endpoints.remove(parts[0], parts[1], inst.id());
      inst.stop(drain);
    });
    if (r != null && isReady(r)) {
      report(r, true, null, null, 0);
    }
  }

  private void report(Revision r, boolean ready, String reason, String message) {
    report(r, ready, reason, message, ready ? 1 : 0);
  }

  private void report(Revision r, boolean ready, String reason, String message, int instances) {
    RevisionStatus old = r.status();
    if (old != null
        && old.readyInstances() != null
        && old.readyInstances() == instances
        && isReady(r) == ready) {
      return;
    }
    Condition c = Condition.ready(ready, reason, message, clock.instant());
    RevisionStatus status =
        new RevisionStatus(old == null ? null : old.imageDigest(), instances, instances, List.of(c));
    reporter
        .report(r.metadata().namespaceOrDefault(), r.metadata().name(), status)
        .onFailure(err -> LOG.log(Level.WARNING, "cannot report status of {0}: {1}",
            r.metadata().name(), err.getMessage()));
  }

  private static boolean isReady(Revision r) {
    return r.status() != null && r.status().conditions().stream().anyMatch(c -> "Ready".equals(c.type()) && c.isTrue());
  }

  private static String revisionKey(Revision r) {
    return r.metadata().namespaceOrDefault() + "/" + r.metadata().name();
  }

  /** Stops every instance (draining) and closes the backends. */
  public Future<Void> close() {
    List<Future<?>> stops = new ArrayList<>();
    for (Future<Instance> f : running.values()) {
      stops.add(f.compose(i -> i.stop(drain), err -> Future.succeededFuture()));
    }
    running.clear();
    return Future.join(stops)
        .transform(ar -> Future.join(backends.values().stream().map(RuntimeBackend::close).toList()))
        .mapEmpty();
  }


  /** Builds a {@link NodeAgent}. */
  public static final class Builder {
    private Vertx vertx;
    private final Map<String, RuntimeBackend> backends = new HashMap<>();
    private StatusReporter reporter = (ns, rev, st) -> Future.succeededFuture();
    private LogStore logs;
    private Clock clock = Clock.systemUTC();
    private Duration drain = Duration.ofSeconds(30);

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

    public Builder withLogStore(LogStore l) {
      this.logs = l;
      return this;
    }

    public Builder withClock(Clock c) {
      this.clock = c;
      return this;
    }

    /** How long a stopping instance may finish in-flight requests. */
    public Builder withDrain(Duration d) {
      this.drain = d;
      return this;
    }

    public NodeAgent build() {
      if (vertx == null) {
        throw new IllegalStateException("withVertx is required");
      }
      return new NodeAgent(this);
    }
  }
}
