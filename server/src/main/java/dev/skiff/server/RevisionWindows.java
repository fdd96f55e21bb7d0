package dev.skiff.server;

import dev.skiff.controlplane.spi.RevisionMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The control plane's per-revision windowed view of the gateway's golden metrics ({@code
 * skiff.gateway.requests} by code class and the {@code skiff.gateway.request.duration} histogram,
 * in this JVM's registry; no Prometheus round trip). A revision is watched from the first time it
 * is asked about: every {@link #sample} then snapshots its cumulative counts and buckets, and
 * {@link #over} answers the difference between the newest snapshot and the one a window earlier. A
 * revision not asked about for {@link #FORGET_AFTER} is dropped. Thread-safe.
 */
final class RevisionWindows implements RevisionMetrics {
  static final String REQUESTS = "skiff.gateway.requests";
  static final String DURATION = "skiff.gateway.request.duration";
  static final Duration KEEP = Duration.ofMinutes(10).plusSeconds(2);
  static final Duration FORGET_AFTER = Duration.ofMinutes(1);

  private final MeterRegistry registry;
  private final Clock clock;
  private final Map<Key, Watched> watched = new HashMap<>();

  RevisionWindows(MeterRegistry registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
  }

  /** Snapshots every watched revision; call once a second. */
  synchronized void sample() {
    Instant now = clock.instant();
    for (Iterator<Map.Entry<Key, Watched>> it = watched.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Key, Watched> e = it.next();
      Watched w = e.getValue();
      if (Duration.between(w.lastAsked, now).compareTo(FORGET_AFTER) > 0) {
        it.remove();
        continue;
      }
      w.samples.addLast(snapshot(e.getKey(), now));
      while (w.samples.size() > 1
          && Duration.between(w.samples.peekFirst().at, now).compareTo(KEEP) > 0) {
        w.samples.removeFirst();
      }
    }
  }

  @Override
  public synchronized Figures over(String namespace, String revision, Duration window) {
    Instant now = clock.instant();
    Key key = new Key(namespace, revision);
    Watched w = watched.get(key);
    if (w == null) {
      w = new Watched();
      w.samples.addLast(snapshot(key, now));
      watched.put(key, w);
    }
    w.lastAsked = now;
    Sample last = w.samples.peekLast();
    Sample first = last;
    // The oldest sample no older than the window.
    for (Iterator<Sample> it = w.samples.descendingIterator(); it.hasNext(); ) {
      Sample s = it.next();
      if (Duration.between(s.at, last.at).compareTo(window) > 0) {
        break;
      }
      first = s;
    }
    long requests = Math.round(last.requests - first.requests);
    long errors = Math.round(last.errors - first.errors);
    return new Figures(
        Math.max(0, requests),
        Math.max(0, errors),
        p99(first, last),
        Duration.between(first.at, last.at));
  }

  private Sample snapshot(Key key, Instant at) {
    double requests = 0;
    double errors = 0;
    for (Counter c :
        registry
            .find(REQUESTS)
            .tag("namespace", key.namespace)
            .tag("revision", key.revision)
            .counters()) {
      requests += c.count();
      if ("5xx".equals(c.getId().getTag("code_class"))) {
        errors += c.count();
      }
    }
    double[] bounds = new double[0];
    double[] cumulative = new double[0];
    for (Timer t :
        registry
            .find(DURATION)
            .tag("namespace", key.namespace)
            .tag("revision", key.revision)
            .timers()) {
      CountAtBucket[] b = t.takeSnapshot().histogramCounts();
      if (cumulative.length == 0) {
        bounds = new double[b.length];
        cumulative = new double[b.length];
        for (int i = 0; i < b.length; i++) {
          bounds[i] = b[i].bucket(TimeUnit.NANOSECONDS);
        }
      }
      for (int i = 0; i < Math.min(b.length, cumulative.length); i++) {
        cumulative[i] += b[i].count();
      }
    }
    return new Sample(at, requests, errors, bounds, cumulative);
  }

  /**
   * The 99th percentile of the latencies that filled the buckets between two samples, interpolated
   * within its bucket (so as fine as the buckets); zero with none. The buckets are cumulative both
   * over time and over bounds (Prometheus's {@code le}).
   */
  static Duration p99(Sample first, Sample last) {
    double[] bounds = last.bounds;
    // A revision asked about before its first answer had no histogram yet: it started from zero.
    double[] before =
        first.cumulative.length == 0 ? new double[last.cumulative.length] : first.cumulative;
    if (bounds.length == 0 || before.length != last.cumulative.length) {
      return Duration.ZERO;
    }
    double[] delta = new double[bounds.length];
    double total = 0;
    for (int i = 0; i < delta.length; i++) {
      double now = last.cumulative[i] - (i == 0 ? 0 : last.cumulative[i - 1]);
      double then = before[i] - (i == 0 ? 0 : before[i - 1]);
      delta[i] = Math.max(0, now - then);
      total += delta[i];
    }
    if (total <= 0) {
      return Duration.ZERO;
    }
    double rank = 0.99 * total;
    double seen = 0;
    for (int i = 0; i < delta.length; i++) {
      if (delta[i] > 0 && seen + delta[i] >= rank) {
        double lower = i == 0 ? 0 : bounds[i - 1];
        return Duration.ofNanos(
            Math.round(lower + (bounds[i] - lower) * ((rank - seen) / delta[i])));
      }
      seen += delta[i];
    }
    return Duration.ofNanos(Math.round(bounds[bounds.length - 1]));
  }

  private record Key(String namespace, String revision) {}

  record Sample(Instant at, double requests, double errors, double[] bounds, double[] cumulative) {}

  private static final class Watched {
    final Deque<Sample> samples = new ArrayDeque<>();
    Instant lastAsked;
  }
}
