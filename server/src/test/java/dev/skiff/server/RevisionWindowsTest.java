package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.controlplane.spi.RevisionMetrics.Figures;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The per-revision windowed view of the gateway's meters that rollouts are judged by. */
class RevisionWindowsTest {
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final HandClock clock = new HandClock(Instant.parse("2026-06-01T00:00:00Z"));
  final RevisionWindows windows = new RevisionWindows(registry, clock);

  /** Records answers as the gateway's meters do. */
  void answer(String revision, int status, Duration latency, int times) {
    for (int i = 0; i < times; i++) {
      Counter.builder("skiff.gateway.requests")
          .tags("namespace", "default", "service", "hello", "revision", revision)
          .tag("code", Integer.toString(status))
          .tag("code_class", (status / 100) + "xx")
          .register(registry)
          .increment();
      Timer.builder("skiff.gateway.request.duration")
          .tags("namespace", "default", "service", "hello", "revision", revision)
          .publishPercentileHistogram()
          .register(registry)
          .record(latency);
    }
  }

  void secondPasses() {
    clock.advance(Duration.ofSeconds(1));
    windows.sample();
  }

  @Test
  void countsOnlyWhatHappenedSinceTheRevisionWasFirstAskedAbout() {
    answer("hello-00002", 200, Duration.ofMillis(2), 50);
    assertEquals(0, windows.over("default", "hello-00002", Duration.ofSeconds(10)).requests());
    answer("hello-00002", 200, Duration.ofMillis(2), 80);
    answer("hello-00002", 500, Duration.ofMillis(2), 20);
    secondPasses();
    Figures f = windows.over("default", "hello-00002", Duration.ofSeconds(10));
    assertEquals(100, f.requests());
    assertEquals(20, f.errors());
    assertEquals(Duration.ofSeconds(1), f.covered());
  }

  @Test
  void theWindowDropsOlderAnswers() {
    windows.over("default", "hello-00002", Duration.ofSeconds(10));
    answer("hello-00002", 500, Duration.ofMillis(2), 30);
    secondPasses();
    for (int s = 0; s < 15; s++) {
      answer("hello-00002", 200, Duration.ofMillis(2), 10);
      secondPasses();
    }
    Figures f = windows.over("default", "hello-00002", Duration.ofSeconds(10));
    assertEquals(100, f.requests());
    assertEquals(0, f.errors());
    assertEquals(Duration.ofSeconds(10), f.covered());
    assertEquals(0, windows.over("default", "hello-00001", Duration.ofSeconds(10)).requests());
  }

  @Test
  void p99ComesFromTheHistogramBucketsThatFilledInTheWindow() {
    windows.over("default", "hello-00002", Duration.ofSeconds(10));
    answer("hello-00002", 200, Duration.ofMillis(1), 90);
    answer("hello-00002", 200, Duration.ofMillis(800), 10);
    secondPasses();
    Duration p99 = windows.over("default", "hello-00002", Duration.ofSeconds(10)).p99();
    assertTrue(
        p99.compareTo(Duration.ofMillis(500)) > 0 && p99.compareTo(Duration.ofMillis(1200)) < 0,
        "p99 " + p99);
  }

  /** A clock the test moves. */
  static final class HandClock extends Clock {
    private volatile Instant now;

    HandClock(Instant start) {
      this.now = start;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
