package dev.skiff.controlplane.internal.rollout;

import dev.skiff.api.model.Rollout;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficPolicy;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.controlplane.internal.resources.ServiceLifecycle;
import dev.skiff.controlplane.spi.RevisionMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Drives the rollouts in progress: every tick it judges each one's new revision over the service's
 * analysis window ({@link RolloutAnalysis}) and rolls it back when a threshold trips; otherwise,
 * once its next step is due, it re-resolves the service's status, which moves the split ({@link
 * RolloutState}). It learns which services roll out from the change feed, so a restart picks up
 * where the store says the rollouts are. All state that matters is in the store.
 */
public final class RolloutController {
  private static final System.Logger LOG = System.getLogger(RolloutController.class.getName());

  private final Vertx vertx;
  private final ServiceLifecycle lifecycle;
  private final RevisionMetrics metrics;
  private final Clock clock;
  private final Duration tick;
  private final Map<String, Service> rolling = new ConcurrentHashMap<>();
  private final Map<String, Boolean> busy = new ConcurrentHashMap<>();
  private long timer = -1;

  public RolloutController(
      Vertx vertx,
      ServiceLifecycle lifecycle,
      RevisionMetrics metrics,
      Clock clock,
      Duration tick) {
    this.vertx = vertx;
    this.lifecycle = lifecycle;
    this.metrics = metrics;
    this.clock = clock;
    this.tick = tick;
  }

  /** Follows a service change from the feed (replayed state and live changes alike). */
  public void onEvent(ResourceEvent e) {
    if (!Service.KIND.equals(e.kind())) {
      return;
    }
    if (e.type() == ResourceEvent.Type.PUT) {
      Service s = (Service) e.resource();
      ServiceStatus st = s.status();
      if (st != null && st.rollout() != null && st.rollout().isProgressing()) {
        rolling.put(e.key(), s);
        return;
      }
    }
    rolling.remove(e.key());
  }

  /** Judges rollouts every tick from now; a second call while running does nothing. */
  public synchronized void start() {
    if (timer < 0) {
      timer = vertx.setPeriodic(tick.toMillis(), id -> tick());
    }
  }

  /** Stops judging (until {@link #start} again); rollouts in progress wait where they are. */
  public synchronized void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** Whether it judges rollouts now (between {@link #start} and {@link #stop}). */
  public synchronized boolean running() {
    return timer >= 0;
  }

  /** Judges and steps every rollout in progress once; completes when every write did. */
  public Future<Void> tick() {
    Instant now = clock.instant();
    List<Future<Void>> work = new ArrayList<>();
    for (Map.Entry<String, Service> e : rolling.entrySet()) {
      // One write per service at a time: a slow store must not stack them up.
      if (busy.putIfAbsent(e.getKey(), Boolean.TRUE) == null) {
        String key = e.getKey();
        work.add(
            check(e.getValue(), now)
                .onFailure(
                    err ->
                        LOG.log(
                            Level.WARNING,
                            "rollout of {0}: {1}",
                            key,
                            String.valueOf(err.getMessage())))
                .onComplete(ar -> busy.remove(key)));
      }
    }
    return Future.join(work).mapEmpty();
  }

  private Future<Void> check(Service s, Instant now) {
    Rollout r = s.status().rollout();
    String ns = s.metadata().namespaceOrDefault();
    String name = s.metadata().name();
    TrafficPolicy policy = TrafficPolicy.of(s.metadata().annotations());
    Duration sinceStart = Duration.between(r.startedAt(), now);
    Duration window =
        sinceStart.compareTo(policy.analysisWindow()) < 0 ? sinceStart : policy.analysisWindow();
    Optional<RolloutAnalysis.Verdict> verdict =
        window.isNegative() || window.isZero()
            ? Optional.empty()
            : RolloutAnalysis.judge(policy, r.to(), metrics.over(ns, r.to(), window));
    if (verdict.isPresent()) {
      RolloutAnalysis.Verdict v = verdict.get();
      LOG.log(Level.INFO, "rolling back {0}/{1}: {2}", ns, name, v.message());
      return lifecycle.refresh(ns, name, st -> rollBack(st, r.to(), v, now));
    }
    if (r.nextStepAt() == null || !now.isBefore(r.nextStepAt())) {
      return lifecycle.refresh(ns, name);
    }
    return Future.succeededFuture();
  }

  /** The stored status with its rollout to {@code to} rolled back, if it still runs. */
  private static ServiceStatus rollBack(
      ServiceStatus st, String to, RolloutAnalysis.Verdict v, Instant now) {
    Rollout r = st.rollout();
    if (r == null || !r.isProgressing() || !to.equals(r.to())) {
      return st;
    }
    return st.withRollout(r.rolledBack(v.reason(), v.message(), now));
  }
}
