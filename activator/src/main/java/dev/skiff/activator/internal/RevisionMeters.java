package dev.skiff.activator.internal;

import dev.skiff.api.stats.RevisionKey;
import io.micrometer.core.instrument.Meter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Registers each revision's meters (its queue-wait timer and its two gauges) and removes its gauges
 * on one thread of its own, in the order asked, so a revision's first request does not wait for
 * them: registering them took 0.5-0.6 ms of that request's admission in a JVM that had registered
 * few meters, the timer with its percentile histogram most of it (bench/notes/jit.md, "A revision's
 * first request"). They are asked for once that request was queued or sent on ({@link
 * Revisions#registerMeters}): asked earlier, the thread's wake-up took the core from the admission
 * on a busy machine.
 *
 * <p>The registry holds one gauge per revision, and registering it again returns the one already
 * there, bound to whichever state registered it. So the thread remembers which state's gauges are
 * registered: a new state for a revision replaces a forgotten one's gauges, and a forgotten state's
 * removal never takes a newer state's. The timer is never removed (a revision set up again keeps
 * counting into it), so recording into it needs no owner.
 */
final class RevisionMeters {
  private static final System.Logger LOG = System.getLogger(RevisionMeters.class.getName());

  private final ActivatorMetrics metrics;
  private final ThreadPoolExecutor thread =
      new ThreadPoolExecutor(
          1,
          1,
          0,
          TimeUnit.MILLISECONDS,
          new LinkedBlockingQueue<>(),
          r -> {
            Thread t = new Thread(r, "skiff-activator-meters");
            t.setDaemon(true);
            return t;
          });

  // The meters thread only: whose gauges are registered, by revision.
  private final Map<RevisionKey, Gauges> gauges = new HashMap<>();

  RevisionMeters(ActivatorMetrics metrics) {
    this.metrics = metrics;
  }

  /** Starts the thread now, so that a revision's first request does not pay for starting it. */
  void start() {
    thread.prestartCoreThread();
  }

  /** {@code s} is the state of its revision: registers its meters soon. */
  void added(RevisionState s) {
    run(() -> register(s));
  }

  /** {@code s} was forgotten: removes its gauges soon, unless a newer state replaced them. */
  void removed(RevisionState s) {
    run(() -> unregister(s));
  }

  /**
   * Records a queue wait of {@code nanos} for a revision whose timer is not registered yet: after
   * the registration asked for before it, or registering the timer itself (registering it again is
   * a lookup).
   */
  void recordQueueWait(RevisionKey key, long nanos) {
    run(() -> metrics.queueWait(key).record(nanos, TimeUnit.NANOSECONDS));
  }

  /** Completes on {@code context} once everything asked so far has run. */
  Future<Void> ran(Context context) {
    Promise<Void> done = Promise.promise();
    if (!run(() -> context.runOnContext(v -> done.complete()))) {
      done.complete(); // stopped: nothing is left to run
    }
    return done.future();
  }

  /**
   * Runs what was asked so far, then stops the thread; the future completes on {@code context} once
   * it has. Asked after that, nothing is registered.
   */
  Future<Void> close(Context context) {
    Future<Void> ran = ran(context);
    thread.shutdown();
    return ran;
  }

  private void register(RevisionState s) {
    // A state forgotten before this ran was replaced, or will be: its removal is queued behind.
    if (s.load().closed()) {
      return;
    }
    RevisionKey key = s.key();
    Gauges old = gauges.get(key);
    if (old != null && old.owner() == s) {
      return;
    }
    if (old != null) {
      old.remove(metrics); // a forgotten state's: bound to it, they would read its dead counts
    }
    s.queueWait(metrics.queueWait(key));
    gauges.put(
        key,
        new Gauges(s, metrics.queueDepth(key, s.throttler()), metrics.concurrency(key, s.load())));
  }

  private void unregister(RevisionState s) {
    Gauges g = gauges.get(s.key());
    if (g != null && g.owner() == s) {
      gauges.remove(s.key());
      g.remove(metrics);
    }
  }

  /** Hands {@code task} to the thread; false when it is stopped. */
  private boolean run(Runnable task) {
    try {
      thread.execute(
          () -> {
            try {
              task.run();
            } catch (RuntimeException e) {
              // A registry that refuses a meter (a filter, a clashing name) costs the meter only.
              LOG.log(Level.WARNING, "registering or removing an activator meter failed", e);
            }
          });
      return true;
    } catch (RejectedExecutionException closed) {
      // The activator is closed: nothing is left to register, and its gauges went with it.
      return false;
    }
  }

  private record Gauges(RevisionState owner, Meter depth, Meter concurrency) {
    void remove(ActivatorMetrics metrics) {
      metrics.remove(depth);
      metrics.remove(concurrency);
    }
  }
}
