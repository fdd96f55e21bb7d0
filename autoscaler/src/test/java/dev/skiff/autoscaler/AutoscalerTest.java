package dev.skiff.autoscaler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.ScalingSettings;
import dev.skiff.api.stats.RevisionKey;
import dev.skiff.api.stats.Stat;
import dev.skiff.autoscaler.spi.Endpoints;
import dev.skiff.autoscaler.spi.Ticker;
import dev.skiff.testing.ManualClock;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AutoscalerTest {
  static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  static final RevisionKey HELLO = RevisionKey.of("default", "hello-00001");

  final ManualClock clock = new ManualClock(T0);
  final FakeEndpoints endpoints = new FakeEndpoints();
  final List<Decision> published = new ArrayList<>();
  final ManualTicker ticker = new ManualTicker();
  final Autoscaler autoscaler =
      Autoscaler.builder()
          .withClock(clock)
          .withEndpoints(endpoints)
          .withListener((revision, decision) -> published.add(decision))
          .withTicker(ticker)
          .build();

  /** Ready instances and activator-in-path per revision, set by the test. */
  static final class FakeEndpoints implements Endpoints {
    final Map<RevisionKey, Integer> ready = new HashMap<>();
    boolean activatorInPath = true;

    @Override
    public int readyInstances(RevisionKey revision) {
      return ready.getOrDefault(revision, 0);
    }

    @Override
    public boolean activatorInPath(RevisionKey revision) {
      return activatorInPath;
    }
  }

  /** A ticker fired by the test. */
  static final class ManualTicker implements Ticker {
    Runnable tick;
    Duration interval;
    boolean cancelled;

    @Override
    public Cancellable every(Duration interval, Runnable tick) {
      this.interval = interval;
      this.tick = tick;
      return () -> cancelled = true;
    }

    void fire() {
      tick.run();
    }
  }

  /** Every second for {@code seconds}: one report per ready instance, then a tick every 2s. */
  void run(int seconds, double concurrencyPerInstance) {
    for (int s = 0; s < seconds; s++) {
      clock.advance(Duration.ofSeconds(1));
      int ready = endpoints.readyInstances(HELLO);
      for (int i = 0; i < ready; i++) {
        autoscaler.record(
            Stat.of(
                HELLO,
                "pod-" + i,
                clock.instant(),
                concurrencyPerInstance,
                concurrencyPerInstance));
      }
      if (s % 2 == 1) {
        ticker.fire();
      }
    }
  }

  @BeforeEach
  void startTicking() {
    autoscaler.start();
  }

  Decision last() {
    return published.get(published.size() - 1);
  }

  @Test
  void newRevisionIsPublishedAtItsInitialScale() {
    Decision d = autoscaler.track(HELLO, ScalingSettings.DEFAULTS);
    assertEquals(1, d.desired());
    assertEquals(ScaleReason.INITIAL_SCALE, d.reason());
    assertEquals(List.of(d), published);
  }

  @Test
  void ticksEveryTwoSecondsOnceStarted() {
    assertEquals(Duration.ofSeconds(2), ticker.interval);
    autoscaler.stop();
    assertTrue(ticker.cancelled);
  }

  @Test
  void publishesOnlyWhenTheDecisionChanges() {
    autoscaler.track(HELLO, ScalingSettings.DEFAULTS);
    endpoints.ready.put(HELLO, 1);
    run(10, 50);
    assertEquals(1, published.size());
    assertEquals(1, autoscaler.decision(HELLO).orElseThrow().desired());
  }

  @Test
  void loadFromStatsScalesTheRevisionUp() {
    autoscaler.track(HELLO, ScalingSettings.DEFAULTS);
    endpoints.ready.put(HELLO, 2);
    // Two instances at 140 each: 280 / 70 = 4 wanted against 2 ready, i.e. panic.
    run(2, 140);
    assertEquals(4, last().desired());
    assertTrue(last().panicking());
  }

  @Test
  void idleRevisionIsScaledToZeroAfterStableWindowAndGrace() {
    autoscaler.track(HELLO, ScalingSettings.DEFAULTS);
    endpoints.ready.put(HELLO, 1);
    run(10, 5); // traffic until T0+10s
    run(88, 0); // T0+98s: 88s idle
    assertEquals(1, autoscaler.decision(HELLO).orElseThrow().desired());
    run(2, 0); // T0+100s: 90s idle
    assertEquals(0, last().desired());
    assertEquals(ScaleReason.SCALED_TO_ZERO, last().reason());
  }

  @Test
  void aRevisionLongAtZeroStillScalesUpOnItsFirstLoad() {
    autoscaler.track(HELLO, ScalingSettings.DEFAULTS);
    endpoints.ready.put(HELLO, 1);
    run(10, 5);
    endpoints.ready.put(HELLO, 0);
    run(200, 0); // at zero for minutes: the ticks find it settled
    assertEquals(0, last().desired());
    assertEquals(ScaleReason.SCALED_TO_ZERO, last().reason());
    int before = published.size();

    // A report of load (the activator's, no instance being ready) is seen at the next tick.
    clock.advance(Duration.ofSeconds(1));
    autoscaler.record(Stat.of(HELLO, "activator", clock.instant(), 5, 5));
    ticker.fire();
    assertEquals(before + 1, published.size());
    assertEquals(1, last().desired());
  }

  @Test
  void aRevisionSettledAtZeroKeepsNoScaleDownDelayEntry() {
    var delayed = ScalingSettings.from(Map.of(ScalingSettings.SCALE_DOWN_DELAY, "10s"));
    autoscaler.track(HELLO, delayed);
    endpoints.ready.put(HELLO, 1);
    run(10, 5);
    endpoints.ready.put(HELLO, 0);
    run(200, 0);
    Decision atZero = autoscaler.decision(HELLO).orElseThrow();
    assertEquals(ScaleReason.SCALED_TO_ZERO, atZero.reason());
    // A count of zero can never hold a revision up: the settled decision keeps no entry for it.
    assertSame(DelayWindow.EMPTY, atZero.next().delayWindow());

    // Load is seen at the next tick, and the delay holds the count it brought as before.
    clock.advance(Duration.ofSeconds(1));
    autoscaler.record(Stat.of(HELLO, "activator", clock.instant(), 5, 5));
    ticker.fire();
    assertEquals(1, last().desired());
    assertEquals(1, autoscaler.decision(HELLO).orElseThrow().next().delayWindow().max());
  }

  @Test
  void aReadyInstanceAtZeroIsDecidedOnAgain() {
    autoscaler.track(HELLO, ScalingSettings.DEFAULTS);
    endpoints.ready.put(HELLO, 1);
    run(10, 5);
    endpoints.ready.put(HELLO, 0);
    run(200, 0);
    assertEquals(0, last().desired());

    Decision atZero = autoscaler.decision(HELLO).orElseThrow();

    // An instance shows up (still draining, or started elsewhere): decided again, not kept; its
    // capacity counts in the burst capacity.
    endpoints.ready.put(HELLO, 1);
    clock.advance(Duration.ofSeconds(2));
    ticker.fire();
    Decision d = autoscaler.decision(HELLO).orElseThrow();
    assertEquals(0, d.desired());
    assertEquals(
        atZero.excessBurstCapacity() + (int) ScalingSettings.DEFAULTS.target(),
        d.excessBurstCapacity());
  }

  @Test
  void pokeAtZeroPublishesAnInstanceAtOnce() {
    var atZero = ScalingSettings.from(Map.of(ScalingSettings.INITIAL_SCALE, "0"));
    assertEquals(0, autoscaler.track(HELLO, atZero).desired());

    Decision d = autoscaler.poke(HELLO).orElseThrow();
    assertEquals(1, d.desired());
    assertEquals(ScaleReason.ACTIVATION, d.reason());
    assertEquals(d, last());
  }

  @Test
  void statsAndPokesForUntrackedRevisionsAreIgnored() {
    autoscaler.record(Stat.of(HELLO, "pod-a", T0, 500, 500));
    assertTrue(autoscaler.poke(HELLO).isEmpty());
    assertTrue(published.isEmpty());
  }

  @Test
  void trackingAgainKeepsTheRevisionsState() {
    autoscaler.track(HELLO, ScalingSettings.DEFAULTS);
    endpoints.ready.put(HELLO, 2);
    run(2, 140); // panic, 4 instances
    Decision again = autoscaler.track(HELLO, ScalingSettings.DEFAULTS);
    assertEquals(4, again.desired());
    assertTrue(again.panicking());
  }

  @Test
  void untrackForgetsTheRevision() {
    autoscaler.track(HELLO, ScalingSettings.DEFAULTS);
    autoscaler.untrack(HELLO);
    assertTrue(autoscaler.revisions().isEmpty());
    assertTrue(autoscaler.decision(HELLO).isEmpty());
  }

  @Test
  void resumedRevisionWithSeveralInstancesStartsInPanicSoItCannotShrinkBlind() {
    endpoints.ready.put(HELLO, 8);
    Decision d = autoscaler.resume(HELLO, ScalingSettings.DEFAULTS);
    assertEquals(8, d.desired());
    assertTrue(d.panicking());
  }

  @Test
  void listenerHearsWhenTheActivatorIsNoLongerNeeded() {
    autoscaler.track(HELLO, ScalingSettings.DEFAULTS);
    assertTrue(last().needsActivator()); // no ready instance: no burst capacity
    endpoints.ready.put(HELLO, 3); // 3 × 100 − 211 > 0
    run(2, 0);
    assertFalse(last().needsActivator());
  }

  @Test
  void startWithoutATickerIsRefused() {
    var manual = Autoscaler.builder().withEndpoints(endpoints).withListener((r, d) -> {}).build();
    assertThrows(AutoscalerException.class, manual::start);
  }

  @Test
  void vertxTimerDrivesTheTicks() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      var decided = new CountDownLatch(1);
      var ticking =
          Autoscaler.builder()
              .withConfig(
                  AutoscalerConfig.builder().withTickInterval(Duration.ofMillis(10)).build())
              .withVertx(vertx)
              .withClock(clock)
              .withEndpoints(endpoints)
              .withListener(
                  (revision, decision) -> {
                    if (decision.desired() == 5) {
                      decided.countDown();
                    }
                  })
              .build();
      ticking.track(HELLO, ScalingSettings.DEFAULTS);
      endpoints.ready.put(HELLO, 5);
      ticking.record(Stat.of(HELLO, "pod-a", T0, 350, 350));
      ticking.start();
      assertTrue(decided.await(10, TimeUnit.SECONDS), "a Vert.x tick decided 5 instances");
      ticking.stop();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
