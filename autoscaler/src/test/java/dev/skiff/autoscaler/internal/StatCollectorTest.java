package dev.skiff.autoscaler.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.skiff.api.stats.RevisionKey;
import dev.skiff.api.stats.Stat;
import dev.skiff.autoscaler.WindowedStats;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class StatCollectorTest {
  static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  static final RevisionKey HELLO = RevisionKey.of("default", "hello-00001");
  static final Duration STABLE = Duration.ofSeconds(60);
  static final Duration PANIC = Duration.ofSeconds(6);

  final StatCollector collector = new StatCollector(STABLE);

  @Test
  void instanceAveragesAreSummed() {
    for (int s = 0; s < 6; s++) {
      Instant t = T0.plusSeconds(s);
      collector.record(Stat.of(HELLO, "pod-a", t, 3, 30), t);
      collector.record(Stat.of(HELLO, "pod-b", t, 5, 50), t);
    }
    WindowedStats w = collector.windowed(HELLO, STABLE, PANIC, T0.plusSeconds(5));
    assertEquals(8.0, w.stableConcurrency(), 1e-9);
    assertEquals(8.0, w.panicConcurrency(), 1e-9);
    assertEquals(80.0, w.stableRps(), 1e-9);
    assertEquals(T0.plusSeconds(5), w.lastTraffic());
  }

  @Test
  void activatorReportsCountWhileItHoldsRequests() {
    collector.record(Stat.of(HELLO, Stat.ACTIVATOR, T0, 12, 12), T0);
    WindowedStats w = collector.windowed(HELLO, STABLE, PANIC, T0);
    assertEquals(12.0, w.panicConcurrency(), 1e-9);
  }

  @Test
  void requestsProxiedByTheActivatorCountOnce() {
    // The activator forwards 4 requests in flight; the instance serves those 4 plus 2 direct ones.
    collector.record(Stat.of(HELLO, Stat.ACTIVATOR, T0, 4, 4), T0);
    collector.record(
        Stat.builder(HELLO, "pod-a", T0)
            .withAverageConcurrency(6)
            .withAverageProxiedConcurrency(4)
            .withRequestCount(6)
            .withProxiedRequestCount(4)
            .build(),
        T0);
    WindowedStats w = collector.windowed(HELLO, STABLE, PANIC, T0);
    assertEquals(6.0, w.panicConcurrency(), 1e-9);
    assertEquals(6.0, w.panicRps(), 1e-9);
  }

  @Test
  void revisionsAreKeptApart() {
    RevisionKey other = RevisionKey.of("default", "hello-00002");
    collector.record(Stat.of(other, "pod-z", T0, 50, 5), T0);
    assertSame(WindowedStats.NONE, collector.windowed(HELLO, STABLE, PANIC, T0));
    assertEquals(50.0, collector.windowed(other, STABLE, PANIC, T0).panicConcurrency(), 1e-9);
  }

  @Test
  void forgetDropsARevisionsStats() {
    collector.record(Stat.of(HELLO, "pod-a", T0, 1, 1), T0);
    collector.forget(HELLO);
    assertSame(WindowedStats.NONE, collector.windowed(HELLO, STABLE, PANIC, T0));
  }
}
