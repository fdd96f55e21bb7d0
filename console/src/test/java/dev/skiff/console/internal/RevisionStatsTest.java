package dev.skiff.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RevisionStatsTest {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  private Counter requests(String code) {
    return Counter.builder(RevisionStats.REQUESTS)
        .tags("namespace", "default", "service", "hello", "revision", "hello-00001")
        .tag("code", code)
        .tag("code_class", code.charAt(0) + "xx")
        .register(registry);
  }

  private Timer latency() {
    return Timer.builder(RevisionStats.DURATION)
        .tags("namespace", "default", "service", "hello", "revision", "hello-00001")
        .publishPercentileHistogram()
        .register(registry);
  }

  @Test
  void aPointHoldsWhatHappenedSinceThePreviousSample() {
    RevisionStats stats = new RevisionStats(registry, Clock.systemUTC(), 10);
    Counter ok = requests("200");
    Counter failed = requests("503");
    Timer latency = latency();
    ok.increment(5);
    latency.record(Duration.ofMillis(500));
    stats.sample(); // the baseline: no point yet

    ok.increment(90);
    failed.increment(10);
    for (int i = 0; i < 100; i++) {
      latency.record(Duration.ofMillis(i < 90 ? 2 : 200));
    }
    stats.sample();

    JsonObject rev = stats.snapshot().getJsonArray("revisions").getJsonObject(0);
    assertEquals("hello-00001", rev.getString("revision"));
    JsonArray points = rev.getJsonArray("points");
    assertEquals(1, points.size());
    JsonArray p = points.getJsonArray(0);
    double seconds = 100 / p.getDouble(1); // the rate is per second of the real interval
    assertEquals(10 / seconds, p.getDouble(2), 1e-6, "5xx per second");
    assertTrue(p.getDouble(3) > 1 && p.getDouble(3) <= 3, "p50 within the 2 ms bucket: " + p);
    assertTrue(p.getDouble(5) > 100 && p.getDouble(5) <= 300, "p99 near 200 ms: " + p);
  }

  @Test
  void keepsOnlyTheLastPointsAndTheInstanceGauges() {
    RevisionStats stats = new RevisionStats(registry, Clock.systemUTC(), 3);
    Counter ok = requests("200");
    AtomicInteger ready = new AtomicInteger(2);
    Gauge.builder(RevisionStats.READY, ready, AtomicInteger::get)
        .tags("namespace", "default", "revision", "hello-00001")
        .register(registry);
    for (int i = 0; i < 6; i++) {
      ok.increment();
      stats.sample();
    }
    JsonObject rev = stats.snapshot().getJsonArray("revisions").getJsonObject(0);
    assertEquals(3, rev.getJsonArray("points").size());
    assertEquals(2, rev.getInteger("readyInstances"));
  }

  @Test
  void aRevisionWithInstancesButNoRequestsIsListed() {
    RevisionStats stats = new RevisionStats(registry, Clock.systemUTC(), 3);
    Gauge.builder(RevisionStats.DESIRED, () -> 1)
        .tags("namespace", "default", "revision", "hello-00002")
        .register(registry);
    stats.sample();
    JsonObject rev = stats.snapshot().getJsonArray("revisions").getJsonObject(0);
    assertEquals("hello", rev.getString("service"));
    assertEquals(1, rev.getInteger("desiredInstances"));
  }

  @Test
  void everyRevisionGetsItsOwnInstancesAndColdStartsAmongMany() {
    RevisionStats stats = new RevisionStats(registry, Clock.systemUTC(), 3);
    for (int i = 0; i < 50; i++) {
      String rev = "svc%02d-00001".formatted(i);
      int n = i;
      Gauge.builder(RevisionStats.DESIRED, () -> n % 3)
          .tags("namespace", "default", "service", "svc%02d".formatted(i), "revision", rev)
          .register(registry);
      Gauge.builder(RevisionStats.READY, () -> n % 2)
          .tags("namespace", "default", "service", "svc%02d".formatted(i), "revision", rev)
          .register(registry);
      Timer cold =
          Timer.builder(RevisionStats.COLD_START)
              .tags("namespace", "default", "revision", rev)
              .register(registry);
      for (int c = 0; c < i % 4; c++) {
        cold.record(Duration.ofMillis(10 + i));
      }
    }
    stats.sample();

    JsonArray revisions = stats.snapshot().getJsonArray("revisions");
    assertEquals(50, revisions.size());
    for (int i = 0; i < 50; i++) {
      JsonObject rev = revisions.getJsonObject(i);
      assertEquals("svc%02d-00001".formatted(i), rev.getString("revision"));
      assertEquals("svc%02d".formatted(i), rev.getString("service"));
      assertEquals(i % 3, rev.getInteger("desiredInstances"), rev.encode());
      assertEquals(i % 2, rev.getInteger("readyInstances"), rev.encode());
      assertEquals(i % 4, rev.getDouble("coldStarts"), 1e-9, rev.encode());
      if (i % 4 > 0) {
        assertEquals(10 + i, rev.getDouble("coldStartMeanMs"), 1e-6, rev.encode());
      }
    }
  }

  @Test
  void findsMetersRegisteredOrRemovedAfterTheFirstSample() {
    RevisionStats stats = new RevisionStats(registry, Clock.systemUTC(), 3);
    stats.sample();
    assertEquals(0, stats.snapshot().getJsonArray("revisions").size());

    AtomicInteger desired = new AtomicInteger(1);
    Gauge gauge =
        Gauge.builder(RevisionStats.DESIRED, desired, AtomicInteger::get)
            .tags("namespace", "default", "service", "late", "revision", "late-00001")
            .register(registry);
    stats.sample();
    JsonObject rev = stats.snapshot().getJsonArray("revisions").getJsonObject(0);
    assertEquals("late-00001", rev.getString("revision"));
    assertEquals(1, rev.getInteger("desiredInstances"));
    assertEquals(0, rev.getDouble("coldStarts"), 1e-9);

    // The cold-start timer comes with the first cold start; later starts only record into it.
    Timer cold =
        Timer.builder(RevisionStats.COLD_START)
            .tags("namespace", "default", "revision", "late-00001")
            .register(registry);
    cold.record(Duration.ofMillis(20));
    desired.set(0);
    stats.sample();
    rev = stats.snapshot().getJsonArray("revisions").getJsonObject(0);
    assertEquals(0, rev.getInteger("desiredInstances"));
    assertEquals(1, rev.getDouble("coldStarts"), 1e-9);
    cold.record(Duration.ofMillis(40));
    stats.sample();
    rev = stats.snapshot().getJsonArray("revisions").getJsonObject(0);
    assertEquals(2, rev.getDouble("coldStarts"), 1e-9);
    assertEquals(30, rev.getDouble("coldStartMeanMs"), 1e-6);

    registry.remove(gauge);
    registry.remove(cold);
    stats.sample();
    assertEquals(0, stats.snapshot().getJsonArray("revisions").size());
  }

  @Test
  void aMeterSampledBetweenItsAnnouncementAndItsRegistrationIsFound() {
    RevisionStats stats = new RevisionStats(registry, Clock.systemUTC(), 3);
    stats.sample();
    // Micrometer tells its listeners of a new meter before the meter is in its map: a sample in
    // between (another thread's; here a later listener's) must not lose it for good.
    registry.config().onMeterAdded(m -> stats.sample());
    Gauge.builder(RevisionStats.DESIRED, () -> 2)
        .tags("namespace", "default", "service", "race", "revision", "race-00001")
        .register(registry);
    stats.sample();
    JsonArray revisions = stats.snapshot().getJsonArray("revisions");
    assertEquals(1, revisions.size(), revisions.encode());
    assertEquals(2, revisions.getJsonObject(0).getInteger("desiredInstances"));
  }

  @Test
  void aQuietSecondHasNoLatencyAndTheNextBusyOneHasItsOwn() {
    RevisionStats stats = new RevisionStats(registry, Clock.systemUTC(), 10);
    Counter ok = requests("200");
    Timer latency = latency();
    ok.increment();
    latency.record(Duration.ofMillis(200));
    stats.sample();
    stats.sample(); // nothing happened
    ok.increment(10);
    for (int i = 0; i < 10; i++) {
      latency.record(Duration.ofMillis(2));
    }
    stats.sample();
    stats.sample(); // nothing again

    JsonArray points =
        stats.snapshot().getJsonArray("revisions").getJsonObject(0).getJsonArray("points");
    assertEquals(3, points.size());
    assertEquals(0, points.getJsonArray(0).getDouble(1), 1e-9, "no requests: " + points);
    assertEquals(0, points.getJsonArray(0).getDouble(3), 1e-9, "no latency: " + points);
    JsonArray busy = points.getJsonArray(1);
    assertTrue(busy.getDouble(1) > 0, points.encode());
    assertTrue(busy.getDouble(3) > 1 && busy.getDouble(3) <= 3, "p50 of this second: " + busy);
    assertTrue(busy.getDouble(5) > 1 && busy.getDouble(5) <= 3, "p99 of this second: " + busy);
    assertEquals(0, points.getJsonArray(2).getDouble(5), 1e-9, points.encode());
  }

  @Test
  void theKeptPointsAreTheLastOnesInOrder() {
    long[] now = {1_000};
    Clock clock =
        new Clock() {
          @Override
          public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public java.time.Instant instant() {
            return java.time.Instant.ofEpochMilli(now[0]);
          }
        };
    RevisionStats stats = new RevisionStats(registry, clock, 3);
    Counter ok = requests("200");
    for (int i = 0; i < 8; i++) {
      ok.increment(i);
      now[0] += 1_000;
      stats.sample();
    }
    JsonArray points =
        stats.snapshot().getJsonArray("revisions").getJsonObject(0).getJsonArray("points");
    assertEquals(3, points.size());
    for (int j = 0; j < 3; j++) {
      JsonArray p = points.getJsonArray(j);
      assertEquals(7_000 + 1_000 * j, p.getLong(0), points.encode());
      assertTrue(p.getDouble(1) > 0, points.encode());
    }
  }

  @Test
  void quantilesInterpolateWithinTheirBucket() {
    double[] bounds = {1, 2, 4};
    assertEquals(1.5, RevisionSeries.quantile(bounds, new double[] {0, 10, 0}, 0.5), 1e-9);
    assertEquals(0, RevisionSeries.quantile(bounds, new double[] {0, 0, 0}, 0.5));
    assertEquals(4, RevisionSeries.quantile(bounds, new double[] {1, 0, 1}, 1.0), 1e-9);
  }
}
