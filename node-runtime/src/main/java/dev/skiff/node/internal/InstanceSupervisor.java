package dev.skiff.node.internal;

import dev.skiff.api.model.Revision;
import dev.skiff.node.Endpoint;
import dev.skiff.node.EndpointRegistry;
import dev.skiff.node.InstanceStartException;
import dev.skiff.node.LogStore;
import dev.skiff.node.internal.RevisionInstances.Failure;
import dev.skiff.node.internal.RevisionInstances.Running;
import dev.skiff.node.spi.Instance;
import dev.skiff.node.spi.InstanceExit;
import dev.skiff.node.spi.InstanceSpec;
import dev.skiff.node.spi.RuntimeBackend;
import dev.skiff.node.spi.Ticker;
import dev.skiff.node.stats.RequestTracker;
import io.vertx.core.Future;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Keeps each revision at its desired instance count: starts and stops instances through the
 * backends, publishes and withdraws their endpoints, and restarts with backoff those that fail to
 * start or end by themselves. A revision that never became ready gives up after {@code
 * startAttempts} failed starts: its status says why and its endpoints are marked unavailable, so
 * requests fail fast, until a redeploy. Called on the agent's context; timers go through the {@link
 * Ticker} and hop back to it.
 */
public final class InstanceSupervisor {
  private static final System.Logger LOG = System.getLogger(InstanceSupervisor.class.getName());

  /**
   * @param drain how long a stopping instance may finish in-flight requests
   * @param endpointGrace how long a stopping instance serves after its endpoint was withdrawn
   * @param restartBackoff the first delay before a restart; doubles up to {@code maxBackoff}
   * @param startAttempts failed starts in a row after which a never-ready revision gives up
   */
  public record Settings(
      Duration drain,
      Duration endpointGrace,
      Duration restartBackoff,
      Duration maxBackoff,
      int startAttempts) {}

  private final Map<String, RuntimeBackend> backends;
  private final EndpointRegistry endpoints;
  private final LogStore logs;
  private final StatusReports reports;
  private final RevisionMeters meters;
  private final Ticker ticker;
  private final Executor onAgent;
  private final Clock clock;
  private final Settings settings;
  private final NodeCapacity capacity;
  private final Supplier<Collection<RevisionInstances>> revisions;
  private final AtomicLong instanceSeq = new AtomicLong();

  public InstanceSupervisor(
      Map<String, RuntimeBackend> backends,
      EndpointRegistry endpoints,
      LogStore logs,
      StatusReports reports,
      RevisionMeters meters,
      Ticker ticker,
      Executor onAgent,
      Clock clock,
      Settings settings,
      NodeCapacity capacity,
      Supplier<Collection<RevisionInstances>> revisions) {
    this.capacity = capacity;
    this.revisions = revisions;
    this.backends = Map.copyOf(backends);
    this.endpoints = endpoints;
    this.logs = logs;
    this.reports = reports;
    this.meters = meters;
    this.ticker = ticker;
    this.onAgent = onAgent;
    this.clock = clock;
    this.settings = settings;
  }

  /**
   * Starts or stops instances until the revision has as many as it should, as far as the node's
   * capacity allows; what it holds back is the revision's {@code ResourcesAvailable} condition.
   */
  public void converge(RevisionInstances r) {
    List<Running> list = r.instances();
    if (r.failed() == null && !r.backingOff()) {
      String shortfall = null;
      while (list.size() < r.desired()) {
        shortfall = capacity.refusal(r);
        if (shortfall != null) {
          break;
        }
        list.add(start(r));
      }
      shortfall(r, shortfall);
    }
    boolean stopped = false;
    while (list.size() > r.desired()) {
      // Stop the newest first: an instance still starting costs the least to give up.
      stop(r, list.remove(list.size() - 1));
      stopped = true;
    }
    if (stopped) {
      freed();
    }
  }

  /**
   * Records why the revision has fewer instances than desired. With none at all its requests fail
   * fast with the reason, as for a revision that cannot start.
   */
  private void shortfall(RevisionInstances r, String why) {
    String before = r.capacityShortfall();
    r.capacityShortfall(why);
    if (why != null && r.instances().isEmpty()) {
      endpoints.markUnavailable(r.namespace(), r.name(), "InsufficientCapacity: " + why);
    } else if (before != null) {
      endpoints.markAvailable(r.namespace(), r.name());
    }
    if (!java.util.Objects.equals(before, why)) {
      LOG.log(Level.WARNING, "revision {0} is short of capacity: {1}", r.name(), why);
      reports.report(r);
    }
  }

  /** Capacity was given back: revisions held back may start now (after this event). */
  private void freed() {
    onAgent.execute(
        () -> {
          for (RevisionInstances r : List.copyOf(revisions.get())) {
            if (r.capacityShortfall() != null && !r.isDeleted()) {
              converge(r);
            }
          }
        });
  }

  /** The revision was deployed again: forget its failed starts and try again now. */
  public void retry(RevisionInstances r) {
    if (r.failed() == null && r.lastStartFailure() == null) {
      return;
    }
    r.resetFailures();
    r.backingOff(false);
    endpoints.markAvailable(r.namespace(), r.name());
    converge(r);
    reports.report(r);
  }

  /** The revision was deleted: stop its instances, forget its state in the registry. */
  public void deleted(RevisionInstances r) {
    r.desired(0);
    converge(r);
    endpoints.markAvailable(r.namespace(), r.name());
  }

  private Running start(RevisionInstances r) {
    Revision rev = r.revision();
    String kind = rev.spec().template().workloadKind();
    String id = r.namespace() + "." + r.name() + "." + instanceSeq.incrementAndGet();
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
                new InstanceSpec(
                    id, rev, logs.sink(r.namespace(), r.service(), r.name(), id), tracker));
    Running running = new Running(id, started, tracker, t0);
    started.onComplete(
        ar ->
            onAgent.execute(
                () -> {
                  if (ar.failed()) {
                    startFailed(r, running, ar.cause());
                  } else {
                    started(r, running, ar.result(), cold);
                  }
                }));
    return running;
  }

  private void started(RevisionInstances r, Running running, Instance inst, boolean cold) {
    if (!r.instances().contains(running)) {
      inst.stop(settings.drain()); // stopped while it was starting
      return;
    }
    long took = System.nanoTime() - running.askedAtNanos();
    LOG.log(
        Level.INFO,
        "instance {0} ready at {1}:{2,number,#} in {3,number,#.#} ms",
        running.id(),
        inst.host(),
        inst.port(),
        took / 1e6);
    if (cold) {
      meters.coldStart(r, took);
    }
    r.markReady();
    if (inst.imageDigest() != null) {
      r.imageDigest(inst.imageDigest());
    }
    endpoints.add(r.namespace(), r.name(), new Endpoint(running.id(), inst.host(), inst.port()));
    // A readiness probe that stops passing takes the instance out of the endpoints until it
    // passes again; requests in flight on it finish.
    inst.onReadinessChange(
        ready -> onAgent.execute(() -> readinessChanged(r, running, inst, ready)));
    reports.report(r);
    inst.ended().onSuccess(exit -> onAgent.execute(() -> ended(r, running, exit)));
  }

  private void readinessChanged(
      RevisionInstances r, Running running, Instance inst, boolean ready) {
    if (!r.instances().contains(running)) {
      return; // stopped or ended meanwhile
    }
    if (ready) {
      endpoints.add(r.namespace(), r.name(), new Endpoint(running.id(), inst.host(), inst.port()));
    } else {
      endpoints.remove(r.namespace(), r.name(), running.id());
    }
  }

  private void startFailed(RevisionInstances r, Running running, Throwable cause) {
    if (!r.instances().remove(running)) {
      return; // stopped while it was starting
    }
    freed();
    Failure f =
        new Failure(
            cause instanceof InstanceStartException ise ? ise.reason() : "StartFailed",
            String.valueOf(cause.getMessage()));
    int failures = r.startFailed(f);
    LOG.log(
        Level.WARNING,
        "instance {0} failed to start ({1} in a row): {2}",
        running.id(),
        failures,
        f.text());
    logs.sink(r.namespace(), r.service(), r.name(), running.id())
        .line("host", "instance failed to start: " + f.text());
    if (!r.everReady() && failures >= settings.startAttempts()) {
      // It never served: more attempts would only keep its requests waiting. A redeploy retries.
      r.failed(f);
      endpoints.markUnavailable(
          r.namespace(),
          r.name(),
          f.text()
              + " (gave up after "
              + failures
              + " attempts; deploy the service again to retry)");
      reports.report(r);
      return;
    }
    reports.report(r);
    retryLater(r);
  }

  /** An instance ended by itself: withdraw it, and start another after a backoff. */
  private void ended(RevisionInstances r, Running running, InstanceExit exit) {
    if (!r.instances().remove(running)) {
      return; // already being stopped
    }
    endpoints.remove(r.namespace(), r.name(), running.id());
    freed();
    LOG.log(
        Level.WARNING,
        "instance {0} ended ({1}: {2}); restarting",
        running.id(),
        exit.reason(),
        exit.message());
    logs.sink(r.namespace(), r.service(), r.name(), running.id())
        .line("host", "instance ended: " + exit.reason() + " (" + exit.message() + ")");
    r.restarted(new Failure(exit.reason(), exit.message()));
    if (r.readyCount() == 0) {
      r.lastExit(new Failure(exit.reason(), exit.message()));
    }
    reports.report(r);
    retryLater(r);
  }

  private void retryLater(RevisionInstances r) {
    if (r.backingOff()) {
      return; // one pending retry starts every missing instance
    }
    Duration backoff =
        r.nextBackoff(settings.restartBackoff(), settings.maxBackoff(), clock.millis());
    LOG.log(Level.INFO, "revision {0}: next start in {1} ms", r.name(), backoff.toMillis());
    r.backingOff(true);
    ticker.after(
        backoff,
        () ->
            onAgent.execute(
                () -> {
                  r.backingOff(false);
                  converge(r);
                }));
  }

  private void stop(RevisionInstances r, Running running) {
    // Withdraw the endpoint first; requests that picked it a moment ago still finish: the instance
    // keeps serving for the grace, then drains what is in flight.
    endpoints.remove(r.namespace(), r.name(), running.id());
    running
        .started()
        .onSuccess(
            inst ->
                ticker.after(
                    settings.endpointGrace(),
                    () ->
                        inst.stop(settings.drain())
                            .onComplete(
                                ar -> LOG.log(Level.INFO, "instance {0} stopped", running.id()))));
    reports.report(r);
  }

  /** Stops every instance now (draining), for shutdown. */
  public Future<Void> stopAll(Collection<RevisionInstances> revisions) {
    List<Future<?>> stops = new ArrayList<>();
    for (RevisionInstances r : revisions) {
      for (Running i : r.instances()) {
        stops.add(
            i.started()
                .compose(inst -> inst.stop(settings.drain()), err -> Future.succeededFuture()));
      }
      r.instances().clear();
    }
    return Future.join(stops).mapEmpty();
  }
}
