package dev.skiff.console.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Every revision's requests per second, 5xx per second and latency percentiles, one point per
 * {@link #sample}, from the gateway's meters ({@code skiff.gateway.requests}, {@code
 * skiff.gateway.request.duration}: the differences between two samples), with the node's instance
 * gauges and cold-start timer. Percentiles come from the latency histogram's buckets that filled in
 * that second, interpolated within a bucket, so they are as fine as the buckets. Keeps the last
 * {@code history} points of each revision; a revision whose meters are gone is dropped.
 * Thread-safe.
 */
public final class RevisionStats {
  static final String REQUESTS = "skiff.gateway.requests";
  static final String DURATION = "skiff.gateway.request.duration";
  static final String DESIRED = "skiff.node.instances.desired";
  static final String READY = "skiff.node.instances.ready";
  static final String COLD_START = "skiff.node.cold.start.duration";

  private final MeterRegistry registry;
  private final Clock clock;
  private final int history;
  private final Map<Key, Series> series = new TreeMap<>();
  private long lastSampleNanos;

  public RevisionStats(MeterRegistry registry, Clock clock, int history) {
    this.registry = registry;
    this.clock = clock;
    this.history = history;
  }

  /** Takes one point per revision: what happened since the previous sample. */
  public synchronized void sample() {
    long nowNanos = System.nanoTime();
    double seconds = lastSampleNanos == 0 ? 1 : Math.max(1e-3, (nowNanos - lastSampleNanos) / 1e9);
    lastSampleNanos = nowNanos;
    long t = clock.millis();
    Map<Key, double[]> counts = new HashMap<>(); // {requests, 5xx}
    for (Counter c : registry.find(REQUESTS).counters()) {
      Key k = Key.of(c);
      if (k == null) {
        continue;
      }
      double[] n = counts.computeIfAbsent(k, x -> new double[2]);
      n[0] += c.count();
      if ("5xx".equals(c.getId().getTag("code_class"))) {
        n[1] += c.count();
      }
    }
    Map<Key, Timer> timers = new HashMap<>();
    for (Timer tm : registry.find(DURATION).timers()) {
      Key k = Key.of(tm);
      if (k != null) {
        timers.put(k, tm);
      }
    }
    Map<Key, Series> seen = new HashMap<>();
    for (Map.Entry<Key, double[]> e : counts.entrySet()) {
      Series s = series.computeIfAbsent(e.getKey(), k -> new Series());
      seen.put(e.getKey(), s);
      Timer tm = timers.get(e.getKey());
      s.add(t, seconds, e.getValue()[0], e.getValue()[1], tm == null ? null : tm, history);
    }
    for (Gauge g : registry.find(DESIRED).gauges()) {
      instances(g, seen, true);
    }
    for (Gauge g : registry.find(READY).gauges()) {
      instances(g, seen, false);
    }
    series.keySet().retainAll(seen.keySet());
  }

  private void instances(Gauge g, Map<Key, Series> seen, boolean desired) {
    String ns = g.getId().getTag("namespace");
    String rev = g.getId().getTag("revision");
    if (ns == null || rev == null) {
      return;
    }
    for (Map.Entry<Key, Series> e : series.entrySet()) {
      if (e.getKey().namespace.equals(ns) && e.getKey().revision.equals(rev)) {
        apply(e.getValue(), g, desired, ns, rev);
        seen.put(e.getKey(), e.getValue());
        return;
      }
    }
    // A revision with instances but no request yet: listed under its service once it has one.
    String svc = g.getId().getTag("service");
    Key k = new Key(ns, svc != null ? svc : service(rev), rev);
    Series s = series.computeIfAbsent(k, x -> new Series());
    seen.put(k, s);
    apply(s, g, desired, ns, rev);
  }

  private void apply(Series s, Gauge g, boolean desired, String ns, String rev) {
    int v = (int) Math.round(g.value());
    if (desired) {
      s.desired = v;
    } else {
      s.ready = v;
    }
    Timer cold = registry.find(COLD_START).tag("namespace", ns).tag("revision", rev).timer();
    if (cold != null) {
      s.coldStarts = cold.count();
      s.coldStartMeanMs = cold.mean(TimeUnit.MILLISECONDS);
    }
  }

  /** {@code hello-00001} -> {@code hello}. */
  private static String service(String revision) {
    int dash = revision.lastIndexOf('-');
    return dash > 0 ? revision.substring(0, dash) : revision;
  }

  /** The JSON the console polls: {@code {"interval":1,"revisions":[...]}}. */
  public synchronized JsonObject snapshot() {
    JsonArray revisions = new JsonArray();
    for (Map.Entry<Key, Series> e : series.entrySet()) {
      Series s = e.getValue();
      JsonArray points = new JsonArray();
      for (double[] p : s.points) {
        points.add(
            new JsonArray().add((long) p[0]).add(p[1]).add(p[2]).add(p[3]).add(p[4]).add(p[5]));
      }
      revisions.add(
          new JsonObject()
              .put("namespace", e.getKey().namespace)
              .put("service", e.getKey().service)
              .put("revision", e.getKey().revision)
              .put("desiredInstances", s.desired)
              .put("readyInstances", s.ready)
              .put("coldStarts", s.coldStarts)
              .put("coldStartMeanMs", s.coldStartMeanMs)
              .put("requests", (long) s.lastCount)
              .put("points", points));
    }
    return new JsonObject()
        .put("interval", 1)
        .put(
            "columns",
            new JsonArray()
                .add("time")
                .add("requestsPerSecond")
                .add("errorsPerSecond")
                .add("p50Ms")
                .add("p90Ms")
                .add("p99Ms"))
        .put("revisions", revisions);
  }

  /**
   * The {@code q} quantile (0..1) in milliseconds of the values counted in {@code delta} (per
   * bucket, not cumulative) with upper bounds {@code bounds} (ms, ascending); 0 when empty.
   */
  static double quantile(double[] bounds, double[] delta, double q) {
    double total = 0;
    for (double d : delta) {
      total += d;
    }
    if (total <= 0) {
      return 0;
    }
    double rank = q * total;
    double seen = 0;
    for (int i = 0; i < delta.length; i++) {
      if (delta[i] > 0 && seen + delta[i] >= rank) {
        double lower = i == 0 ? 0 : bounds[i - 1];
        return lower + (bounds[i] - lower) * ((rank - seen) / delta[i]);
      }
      seen += delta[i];
    }
    return bounds[bounds.length - 1];
  }

  private record Key(String namespace, String service, String revision) implements Comparable<Key> {
    static Key of(Meter m) {
      String ns = m.getId().getTag("namespace");
      String svc = m.getId().getTag("service");
      String rev = m.getId().getTag("revision");
      if (ns == null || svc == null || rev == null || rev.equals("none")) {
        return null; // requests that reached no revision
      }
      return new Key(ns, svc, rev);
    }

    @Override
    public int compareTo(Key o) {
      int c = namespace.compareTo(o.namespace);
      if (c == 0) {
        c = service.compareTo(o.service);
      }
      return c == 0 ? revision.compareTo(o.revision) : c;
    }
  }

  /** One revision's points: {time ms, requests/s, 5xx/s, p50, p90, p99}. */
  private static final class Series {
    final Deque<double[]> points = new ArrayDeque<>();
    double lastCount = -1;
    double lastErrors;
    double[] lastBuckets;
    int desired;
    int ready;
    double coldStarts;
    double coldStartMeanMs;

    void add(long t, double seconds, double count, double errors, Timer timer, int history) {
      double[] bounds = null;
      double[] cumulative = null;
      if (timer != null) {
        CountAtBucket[] b = timer.takeSnapshot().histogramCounts();
        bounds = new double[b.length];
        cumulative = new double[b.length];
        for (int i = 0; i < b.length; i++) {
          bounds[i] = b[i].bucket(TimeUnit.MILLISECONDS);
          cumulative[i] = b[i].count();
        }
      }
      if (lastCount >= 0 && count >= lastCount) {
        double[] p = {t, (count - lastCount) / seconds, (errors - lastErrors) / seconds, 0, 0, 0};
        if (cumulative != null && lastBuckets != null && lastBuckets.length == cumulative.length) {
          double[] delta = new double[cumulative.length];
          for (int i = 0; i < delta.length; i++) {
            double now = cumulative[i] - (i == 0 ? 0 : cumulative[i - 1]);
            double before = lastBuckets[i] - (i == 0 ? 0 : lastBuckets[i - 1]);
            delta[i] = Math.max(0, now - before);
          }
          p[3] = quantile(bounds, delta, 0.50);
          p[4] = quantile(bounds, delta, 0.90);
          p[5] = quantile(bounds, delta, 0.99);
        }
        points.addLast(p);
        while (points.size() > history) {
          points.removeFirst();
        }
      }
      lastCount = count;
      lastErrors = errors;
      lastBuckets = cumulative;
    }
  }
}
