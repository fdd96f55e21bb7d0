package dev.skiff.autoscaler.internal;

import dev.skiff.api.stats.RevisionKey;
import dev.skiff.api.stats.Stat;
import dev.skiff.autoscaler.WindowedStats;
import dev.skiff.autoscaler.spi.MetricSource;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The default {@link MetricSource}: one {@link BucketWindow} per revision, summing the reports of
 * all instances and the activator per second, as Knative's collector does.
 */
public final class StatCollector implements MetricSource {
  private final ConcurrentMap<RevisionKey, BucketWindow> windows = new ConcurrentHashMap<>();
  private final int initialCapacitySeconds;

  /** Keeps {@code initialRetention} of buckets per revision until a longer window is asked for. */
  public StatCollector(Duration initialRetention) {
    this.initialCapacitySeconds = BucketWindow.buckets(initialRetention);
  }

  @Override
  public void record(Stat stat, Instant receivedAt) {
    // Requests the activator forwarded are in the activator's report already; an instance reports
    // them as proxied so they can be taken out here (Knative does the same).
    double concurrency = Math.max(0, stat.averageConcurrency() - stat.averageProxiedConcurrency());
    double requests = Math.max(0, stat.requestCount() - stat.proxiedRequestCount());
    windows
        .computeIfAbsent(stat.revision(), k -> new BucketWindow(initialCapacitySeconds))
        .record(receivedAt, concurrency, requests, stat.hasTraffic());
  }

  @Override
  public WindowedStats windowed(
      RevisionKey revision, Duration stableWindow, Duration panicWindow, Instant now) {
    BucketWindow w = windows.get(revision);
    if (w == null) {
      return WindowedStats.NONE;
    }
    BucketWindow.Averages stable = w.average(stableWindow, now);
    BucketWindow.Averages panic = w.average(panicWindow, now);
    Instant lastTraffic = w.lastTraffic();
    if (stable == BucketWindow.Averages.ZERO && panic == BucketWindow.Averages.ZERO) {
      // A revision without load (at zero) asks the same every tick: answer with one object.
      return w.idle(lastTraffic);
    }
    return new WindowedStats(
        stable.concurrency(), panic.concurrency(), stable.rps(), panic.rps(), lastTraffic);
  }

  @Override
  public void forget(RevisionKey revision) {
    windows.remove(revision);
  }
}
