package dev.skiff.activator.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.activator.spi.RevisionEndpoints;
import dev.skiff.api.stats.RevisionKey;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The meters thread against the orders a revision's states can come and go in: whatever order the
 * registrations and removals arrive in, the gauges that stay are the live state's, one of each.
 */
class RevisionMetersTest {
  private static final RevisionKey KEY = RevisionKey.of("default", "fn-00001");

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RevisionMeters meters = new RevisionMeters(new ActivatorMetrics(registry));
  private final Revisions revisions =
      new Revisions(
          (ns, rev, listener) -> {
            listener.accept(RevisionEndpoints.NONE);
            return () -> {};
          },
          (ns, rev) -> {},
          10,
          Duration.ofSeconds(1),
          meters);
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    revisions.closeAll(vertx.getOrCreateContext()).await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void revisionForgottenWhileItsMetersAreRegisteredLeavesOnlyItsSuccessorsGauges()
      throws Exception {
    CountDownLatch letGo = new CountDownLatch(1);
    registry
        .config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public Meter.Id map(Meter.Id id) {
                if (id.getName().equals(ActivatorMetrics.QUEUE_WAIT)) {
                  try {
                    letGo.await(20, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                }
                return id;
              }
            });
    RevisionState first = revisions.enter(KEY);
    revisions.registerMeters(first); // its registration now waits on the latch
    first.load().leave();
    assertTrue(revisions.forget(first));
    RevisionState second = revisions.enter(KEY); // one request in it, so its concurrency is 1
    revisions.registerMeters(second);

    letGo.countDown();

    awaitGauges(second);
    second.load().leave();
  }

  @Test
  void successorRegisteredBeforeItsPredecessorsRemovalKeepsItsGauges() throws Exception {
    RevisionState first = state();
    RevisionState second = state();
    second.load().enter();

    meters.added(first);
    first.load().tryClose(); // forgotten; its removal is asked for only after its successor's
    meters.added(second);
    meters.removed(first);

    awaitGauges(second);
  }

  @Test
  void stateForgottenBeforeItsRegistrationRanRegistersNothing() throws Exception {
    RevisionState gone = state();
    gone.load().tryClose();
    meters.removed(gone);
    meters.added(gone);

    meters.close(vertx.getOrCreateContext()).await(10, TimeUnit.SECONDS);

    assertTrue(registry.find(ActivatorMetrics.QUEUE_DEPTH).gauges().isEmpty());
    assertTrue(registry.find(ActivatorMetrics.CONCURRENCY).gauges().isEmpty());
  }

  @Test
  void waitRecordedBeforeTheTimerIsRegisteredIsCountedOnceItIs() throws Exception {
    RevisionState s = state();
    s.recordQueueWait(TimeUnit.MILLISECONDS.toNanos(3)); // before the state is even added
    meters.added(s);
    s.recordQueueWait(TimeUnit.MILLISECONDS.toNanos(5));

    meters.close(vertx.getOrCreateContext()).await(10, TimeUnit.SECONDS);

    var timer = registry.find(ActivatorMetrics.QUEUE_WAIT).tag("revision", "fn-00001").timer();
    assertNotNull(timer);
    assertEquals(2, timer.count());
    assertEquals(8.0, timer.totalTime(TimeUnit.MILLISECONDS), 1e-9);
  }

  private RevisionState state() {
    return new RevisionState(
        KEY,
        new RevisionThrottler(KEY, 10, Duration.ofSeconds(1), (ns, rev) -> {}),
        () -> {},
        meters);
  }

  /** Once the meters thread ran what was asked: one gauge of each, bound to {@code owner}. */
  private void awaitGauges(RevisionState owner) throws Exception {
    meters.ran(vertx.getOrCreateContext()).await(20, TimeUnit.SECONDS);
    assertEquals(1, registry.find(ActivatorMetrics.QUEUE_DEPTH).gauges().size());
    assertEquals(1, registry.find(ActivatorMetrics.CONCURRENCY).gauges().size());
    // The owner has one request in it; a forgotten state reads 0.
    assertEquals(1, owner.load().current());
    assertEquals(1.0, gauge(ActivatorMetrics.CONCURRENCY).value(), "bound to the live state");
  }

  private Gauge gauge(String name) {
    return registry.find(name).tag("revision", "fn-00001").gauge();
  }
}
