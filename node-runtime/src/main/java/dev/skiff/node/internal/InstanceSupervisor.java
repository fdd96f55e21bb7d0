package dev.skiff.node.internal;

import dev.skiff.api.model.Revision;
import dev.skiff.node.Endpoint;
import dev.skiff.node.EndpointRegistry;
import dev.skiff.node.InstanceStartException;
import dev.skiff.node.LogStore;
import dev.skiff.node.internal.RevisionInstances.Failure;
import dev.skiff.node.internal.RevisionInstances.Running;
import dev.skiff.node.internal.RevisionInstances.Serving;
import dev.skiff.node.spi.FrontDoor;
import dev.skiff.node.spi.Instance;
import dev.skiff.node.spi.InstanceEvents;
import dev.skiff.node.spi.InstanceEvents.InstanceEvent;
import dev.skiff.node.spi.InstanceEvents.What;
import dev.skiff.node.spi.InstanceExit;
import dev.skiff.node.spi.InstanceFront;
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
 * backends, opens each one's front through the {@link FrontDoor} (and stops it, draining, before
 * the instance), publishes and withdraws the fronts' addresses as endpoints, and restarts with
 * backoff those that fail to start or end by themselves. A revision that never became ready gives
 * up after {@code startAttempts} failed starts: its status says why and its endpoints are marked
 * unavailable, so requests fail fast, until a redeploy. A start that has not finished within the
 * start timeout (an image pull's progress restarts the count) is abandoned as a failed start:
 * whatever the backend stalls on, the revision is retried with backoff and its status and events
 * say so; should the backend still finish it later, that instance is stopped at once. Called on the
 * agent's context; timers go through the {@link Ticker} and hop back to it.
 */
public final class InstanceSupervisor {
  private static final System.Logger LOG = System.getLogger(InstanceSupervisor.class.getName());

  /**
   * @param drain how long a stopping instance may finish in-flight requests
   * @param endpointGrace how long a stopping instance serves after its endpoint was withdrawn
   * @param restartBackoff the first delay before a restart; doubles up to {@code maxBackoff}
   * @param startAttempts failed starts in a row after which a never-ready revision gives up
   * @param startTimeout how long a start may go without finishing (or an image pull without
   *     progress) before it is abandoned and counts as a failed start ({@code StartTimedOut})
   */
  public record Settings(
      Duration drain,
      Duration endpointGrace,
      Duration restartBackoff,
      Duration maxBackoff,
      int startAttempts,
      Duration startTimeout) {}

  /** How long a scale call's report waits for a start on its way to report it instead. */
  public static final Duration SCALED_REPORT_PATIENCE = Duration.ofSeconds(1);

  private final Map<String, RuntimeBackend> backends;
  private final FrontDoor fronts;
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
  private final InstanceEvents events;

  public InstanceSupervisor(
      Map<String, RuntimeBackend> backends,
      FrontDoor fronts,
      EndpointRegistry endpoints,
      LogStore logs,
      StatusReports reports,
      RevisionMeters meters,
      Ticker ticker,
      Executor onAgent,
      Clock clock,
      Settings settings,
      NodeCapacity capacity,
      Supplier<Collection<RevisionInstances>> revisions,
      InstanceEvents events) {
    this.events = events;
    this.capacity = capacity;
    this.revisions = revisions;
    this.backends = Map.copyOf(backends);
    this.fronts = fronts;
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
        Running running = start(r);
        r.add(running);
        follow(r, running);
      }
      shortfall(r, shortfall);
    }
    boolean stopped = false;
    while (list.size() > r.desired()) {
      // Stop the newest first: an instance still starting costs the least to give up.
      stop(r, r.removeNewest());
      stopped = true;
    }
    if (stopped) {
      freed();
    }
    if (r.desired() == 0 && list.isEmpty() && !r.isDeleted() && r.failed() == null) {
      // At zero: the backend may prepare the next start ahead (a container created, not run).
      RuntimeBackend backend = backends.get(r.revision().spec().template().workloadKind());
      if (backend != null) {
        backend.atZero(r.revision());
      }
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

  /**
   * Reports the revision's status after a scale call, unless a start is on its way: that start's
   * end reports (its ready instance, or why it failed) with the new count in one report, so no
   * status report and no control-plane refresh competes with the start for a core. A start still on
   * its way after {@link #SCALED_REPORT_PATIENCE} (an image pull, say) has the count reported then;
   * reports are snapshots, so a late one after the start's own changes nothing.
   */
  public void reportScaled(RevisionInstances r) {
    if (r.startsUntold()) {
      return; // published at once, told after its first answer: that reports the count
    }
    if (r.instances().stream().anyMatch(run -> !run.started().isComplete())) {
      ticker.after(SCALED_REPORT_PATIENCE, () -> onAgent.execute(() -> reports.report(r)));
      return;
    }
    reports.report(r);
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
    RuntimeBackend backend = backends.get(r.revision().spec().template().workloadKind());
    if (backend != null) {
      backend.forget(r.namespace(), r.name());
    }
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
    StartTrace trace = StartTrace.startIfEnabled(r.scaleAskedNanos());
    r.scaleAskedNanos(0); // one trace per call of the scaler
    StartDeadline deadline = new StartDeadline();
    java.util.concurrent.atomic.AtomicBoolean reported =
        new java.util.concurrent.atomic.AtomicBoolean();
    InstanceSpec spec =
        new InstanceSpec(
            id,
            rev,
            logs.sink(r.namespace(), r.service(), r.name(), id),
            tracker,
            pull -> {
              reported.set(true);
              onAgent.execute(
                  () -> {
                    deadline.progressed();
                    events.onInstanceEvent(
                        new InstanceEvent(
                            r.namespace(),
                            r.service(),
                            r.name(),
                            id,
                            pull.done() ? What.PULLED : What.PULLING,
                            null,
                            pull.message()));
                  });
            });
    Future<Serving> started;
    if (backend == null) {
      started =
          Future.failedFuture(
              new InstanceStartException(
                  "NoRuntime", "this node has no " + kind + " runtime", null));
    } else {
      try {
        started =
            backend
                .start(spec)
                .compose(
                    inst -> {
                      if (trace != null) {
                        trace.backendDone();
                      }
                      return front(spec, inst);
                    });
        if (trace != null) {
          started = started.andThen(ar -> trace.frontOpened());
        }
      } catch (RuntimeException e) {
        started = Future.failedFuture(e);
      }
    }
    // Progress events are told on later turns of the context: a start that reported any is
    // published after them, in order.
    boolean atOnce = started.succeeded() && !reported.get();
    Running running = new Running(id, started, tracker, t0, cold, atOnce, trace);
    if (!started.isComplete()) {
      deadline.arm(r, running);
    }
    started.onComplete(ar -> deadline.cancel());
    return running;
  }

  /**
   * Handles the end of {@code running}'s start, which converge has listed among the revision's
   * instances. A start that succeeded at once (a Wasm module still in memory, served in process) is
   * published now, without a turn of the agent's context: the requests waiting for it go on at
   * once. Any other outcome is handled on a later turn, as a failure must not change the list
   * converge is filling.
   */
  private void follow(RevisionInstances r, Running running) {
    if (running.endedAtOnce()) {
      startEnded(r, running);
    } else {
      running.started().onComplete(ar -> onAgent.execute(() -> startEnded(r, running)));
    }
  }

  private void startEnded(RevisionInstances r, Running running) {
    StartTrace trace = running.trace();
    if (trace != null) {
      trace.onAgent();
    }
    Future<Serving> started = running.started();
    if (started.failed()) {
      startFailed(r, running, started.cause());
    } else {
      started(r, running, started.result(), running.cold(), trace);
    }
  }

  /**
   * The start timeout of one start, on the agent's context: armed when the start is asked for,
   * re-armed when its image pull reports progress, cancelled when it finishes.
   */
  private final class StartDeadline {
    private Ticker.Cancellable timer;
    private RevisionInstances revision;
    private Running running;
    private boolean done;

    void arm(RevisionInstances r, Running run) {
      this.revision = r;
      this.running = run;
      schedule();
    }

    void progressed() {
      if (timer != null && !done) {
        timer.cancel();
        schedule();
      }
    }

    void cancel() {
      done = true;
      if (timer != null) {
        timer.cancel();
      }
    }

    private void schedule() {
      Ticker.Cancellable t =
          ticker.after(settings.startTimeout(), () -> onAgent.execute(this::expired));
      timer = t;
    }

    private void expired() {
      if (done || running.started().isComplete()) {
        return; // finished meanwhile: its own completion handles it
      }
      done = true;
      if (revision.draining().remove(running)) {
        // It was being stopped anyway: nothing to retry, only nothing left to wait for.
        LOG.log(
            Level.WARNING,
            "instance {0} was stopped while starting and its start has not finished within the"
                + " start timeout; no longer waiting for it",
            running.id());
        return;
      }
      long seconds = settings.startTimeout().toSeconds();
      startFailed(
          revision,
          running,
          new InstanceStartException(
              "StartTimedOut",
              "the instance did not finish starting within "
                  + (seconds > 0 ? seconds + " s" : settings.startTimeout().toMillis() + " ms")
                  + " and was given up; it is retried with backoff (the start timeout, skiffd's"
                  + " --start-timeout, sets the limit)",
              null));
    }
  }

  /** Opens the front of a started instance; if it cannot open, the instance stops again. */
  private Future<Serving> front(InstanceSpec spec, Instance inst) {
    Future<Serving> opened;
    try {
      opened = fronts.open(spec, inst).map(f -> new Serving(inst, f, clock.instant()));
    } catch (RuntimeException e) {
      opened = Future.failedFuture(e);
    }
    return opened.recover(
        err ->
            inst.stop(Duration.ZERO)
                .transform(
                    x ->
                        Future.failedFuture(
                            new InstanceStartException(
                                "FrontFailed",
                                "the instance started but its front could not open: "
                                    + err.getMessage(),
                                err))));
  }

  private void started(
      RevisionInstances r, Running running, Serving serving, boolean cold, StartTrace trace) {
    Instance inst = serving.instance();
    if (!r.instances().contains(running)) {
      // Stopped while it was starting, or its start timed out and was given up.
      LOG.log(
          Level.INFO,
          "instance {0} started after it was stopped or given up; stopping it",
          running.id());
      stopServing(serving);
      return;
    }
    long took = System.nanoTime() - running.askedAtNanos();
    Endpoint published = endpoint(running, serving);
    r.markReady();
    if (inst.imageDigest() != null) {
      r.imageDigest(inst.imageDigest());
    }
    // Published first: the requests waiting for the instance go on from here (its watchers hear
    // of it before this returns, and each hops to its own context). The log line, meter, event
    // and status report wait until the front listens, on a later turn of the agent's context: on
    // a shared event loop they would otherwise run ahead of those requests, and on another
    // compete for a core just when they need one. A Wasm instance's sidecar binds its listener
    // only after its first answer, so a cold start's first request is answered before any of it.
    r.startPublished();
    endpoints.add(r.namespace(), r.name(), published);
    if (trace != null) {
      trace.published(running.id(), cold);
    }
    // A front that serves in process may still be binding its listener: the endpoint above is for
    // in-process callers only until then, and listens from here on.
    serving
        .front()
        .listening()
        .onComplete(
            ar ->
                onAgent.execute(
                    () -> {
                      toldStarted(r, running, published, took, cold);
                      listening(r, running, serving, ar.cause());
                    }));
    // A readiness probe that stops passing takes the instance out of the endpoints until it
    // passes again; requests in flight on it finish.
    inst.onReadinessChange(
        ready -> onAgent.execute(() -> readinessChanged(r, running, serving, ready)));
    inst.ended().onSuccess(exit -> onAgent.execute(() -> ended(r, running, exit)));
  }

  /**
   * After a start was published, once its front listens (or could not bind): its log line,
   * cold-start meter, event and status report.
   */
  private void toldStarted(
      RevisionInstances r, Running running, Endpoint published, long took, boolean cold) {
    LOG.log(
        Level.INFO,
        "instance {0} ready at {1}:{2,number,#} in {3,number,#.#} ms{4}",
        running.id(),
        published.host(),
        published.port(),
        took / 1e6,
        published.listening() ? "" : " (in process; listening from now)");
    if (cold) {
      meters.coldStart(r, took);
    }
    tell(
        r,
        running,
        What.STARTED,
        null,
        String.format(
            java.util.Locale.ROOT,
            "instance started%s in %.1f ms",
            cold ? " (cold start)" : "",
            took / 1e6));
    r.startTold();
    reports.report(r);
  }

  /**
   * The instance's front listens (or could not bind): publishes its address for callers over the
   * network, or ends the instance, which starts another after a backoff.
   */
  private void listening(RevisionInstances r, Running running, Serving serving, Throwable failed) {
    if (failed != null) {
      frontFailed(r, running, serving, failed);
      return;
    }
    if (r.instances().contains(running)
        && endpoints.serving(r.namespace(), r.name()).stream()
            .anyMatch(e -> e.instanceId().equals(running.id()))) {
      // Still published (not withdrawn by a stop or a failed readiness probe meanwhile).
      Endpoint e = endpoint(running, serving);
      if (!endpoints.ready(r.namespace(), r.name()).contains(e)) {
        endpoints.add(r.namespace(), r.name(), e);
        LOG.log(
            Level.INFO,
            "instance {0} listening at {1}:{2,number,#}",
            running.id(),
            e.host(),
            e.port());
      }
    }
  }

  /** The front of a serving instance could not listen: stop both, start another after a backoff. */
  private void frontFailed(
      RevisionInstances r, Running running, Serving serving, Throwable failed) {
    if (!r.remove(running)) {
      return; // already being stopped
    }
    endpoints.remove(r.namespace(), r.name(), running.id());
    serving.front().stop(Duration.ZERO).transform(x -> serving.instance().stop(Duration.ZERO));
    freed();
    Failure f = new Failure("FrontFailed", "its front could not listen: " + failed.getMessage());
    LOG.log(Level.WARNING, "instance {0} stopped: {1}; restarting", running.id(), f.text());
    logs.sink(r.namespace(), r.service(), r.name(), running.id())
        .line("host", "instance stopped: " + f.text());
    tell(r, running, What.ENDED, f.reason(), f.message() + "; restarting after a backoff");
    r.restarted(f);
    reports.report(r);
    retryLater(r);
  }

  /**
   * Callers reach an instance at its front (its sidecar with the mesh), never directly; at port 0
   * (in process only) while the front's listener is not bound yet.
   */
  private static Endpoint endpoint(Running running, Serving serving) {
    InstanceFront front = serving.front();
    Future<Void> listening = front.listening();
    return new Endpoint(
        running.id(), front.host(), listening.succeeded() ? front.port() : 0, front.identity());
  }

  private void readinessChanged(
      RevisionInstances r, Running running, Serving serving, boolean ready) {
    if (!r.instances().contains(running)) {
      return; // stopped or ended meanwhile
    }
    if (ready) {
      endpoints.add(r.namespace(), r.name(), endpoint(running, serving));
    } else {
      endpoints.remove(r.namespace(), r.name(), running.id());
    }
  }

  private void startFailed(RevisionInstances r, Running running, Throwable cause) {
    if (!r.remove(running)) {
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
    tell(r, running, What.START_FAILED, f.reason(), "instance failed to start: " + f.text());
    if (!r.everReady() && failures >= settings.startAttempts()) {
      // It never served: more attempts would only keep its requests waiting. A redeploy retries.
      r.failed(f);
      tell(
          r,
          running,
          What.GAVE_UP,
          f.reason(),
          "gave up after " + failures + " failed starts: " + f.text());
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
    if (!r.remove(running)) {
      return; // already being stopped
    }
    endpoints.remove(r.namespace(), r.name(), running.id());
    r.exited();
    Serving serving = running.serving();
    if (serving != null) {
      serving.front().stop(Duration.ZERO); // nothing behind it any more
    }
    freed();
    LOG.log(
        Level.WARNING,
        "instance {0} ended ({1}: {2}); restarting",
        running.id(),
        exit.reason(),
        exit.message());
    logs.sink(r.namespace(), r.service(), r.name(), running.id())
        .line("host", "instance ended: " + exit.reason() + " (" + exit.message() + ")");
    tell(
        r,
        running,
        What.ENDED,
        exit.reason(),
        "instance ended (" + exit.message() + "); restarting after a backoff");
    r.restarted(new Failure(exit.reason(), exit.message()));
    if (r.readyCount() == 0) {
      r.lastExit(new Failure(exit.reason(), exit.message()));
    }
    reports.report(r);
    retryLater(r);
  }

  private void tell(
      RevisionInstances r, Running running, What what, String reason, String message) {
    events.onInstanceEvent(
        new InstanceEvent(
            r.namespace(), r.service(), r.name(), running.id(), what, reason, message));
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
    r.draining().add(running);
    running
        .started()
        .onFailure(err -> onAgent.execute(() -> r.draining().remove(running)))
        .onSuccess(
            serving ->
                ticker.after(
                    settings.endpointGrace(),
                    () ->
                        onAgent.execute(
                            () ->
                                stopServing(serving)
                                    .onComplete(
                                        ar -> {
                                          r.draining().remove(running);
                                          LOG.log(Level.INFO, "instance {0} stopped", running.id());
                                        }))));
    reports.report(r);
  }

  /**
   * Drains the front (new requests refused, those in flight finish), then stops the instance; the
   * future completes on the agent's context.
   */
  private Future<Void> stopServing(Serving serving) {
    Duration drain = settings.drain();
    return serving
        .front()
        .stop(drain)
        .transform(ar -> serving.instance().stop(drain))
        .transform(
            ar -> {
              io.vertx.core.Promise<Void> back = io.vertx.core.Promise.promise();
              onAgent.execute(back::complete);
              return back.future();
            });
  }

  /** Stops every instance now (draining), for shutdown. */
  public Future<Void> stopAll(Collection<RevisionInstances> revisions) {
    List<Future<?>> stops = new ArrayList<>();
    for (RevisionInstances r : revisions) {
      for (Running i : r.instances()) {
        stops.add(i.started().compose(this::stopServing, err -> Future.succeededFuture()));
      }
      r.removeAll();
    }
    return Future.join(stops).mapEmpty();
  }
}
