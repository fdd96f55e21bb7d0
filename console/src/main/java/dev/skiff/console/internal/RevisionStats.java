package dev.skiff.console.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
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
  private final Map<Key, RevisionSeries> series = new TreeMap<>();
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
    Map<Key, RevisionSeries> seen = new HashMap<>();
    for (Map.Entry<Key, double[]> e : counts.entrySet()) {
      RevisionSeries s = series.computeIfAbsent(e.getKey(), k -> new RevisionSeries());
      seen.put(e.getKey(), s);
      Timer tm = timers.get(e.getKey());
      s.add(t, seconds, e.getValue()[0], e.getValue()[1], tm == null ? null : tm, history);
    }
    // Each revision's series by namespace and revision, and its cold-start timer, found once per
    // sample: looked up per gauge, they made a sample cost revisions x meters (with a thousand
    // services, seconds of an event loop every second).
    Map<List<String>, Key> byRevision = new HashMap<>();
    series.keySet().forEach(k -> byRevision.putIfAbsent(List.of(k.namespace, k.revision), k));
    Map<List<String>, Timer> coldStarts = new HashMap<>();
    for (Timer tm : registry.find(COLD_START).timers()) {
      String ns = tm.getId().getTag("namespace");
      String rev = tm.getId().getTag("revision");
      if (ns != null && rev != null) {
        coldStarts.putIfAbsent(List.of(ns, rev), tm);
      }
    }
    for (Gauge g : registry.find(DESIRED).gauges()) {
      instances(g, seen, byRevision, coldStarts, true);
    }
    for (Gauge g : registry.find(READY).gauges()) {
      instances(g, seen, byRevision, coldStarts, false);
    }
    series.keySet().retainAll(seen.keySet());
  }

  private void instances(
      Gauge g,
      Map<Key, RevisionSeries> seen,
      Map<List<String>, Key> byRevision,
      Map<List<String>, Timer> coldStarts,
      boolean desired) {
    String ns = g.getId().getTag("namespace");
    String rev = g.getId().getTag("revision");
    if (ns == null || rev == null) {
      return;
    }
    List<String> id = List.of(ns, rev);
    Key k = byRevision.get(id);
    if (k == null) {
      // A revision with instances but no request yet: listed under its service once it has one.
      String svc = g.getId().getTag("service");
      k = new Key(ns, svc != null ? svc : service(rev), rev);
      byRevision.put(id, k);
    }
    RevisionSeries s = series.computeIfAbsent(k, x -> new RevisionSeries());
    seen.put(k, s);
    apply(s, g, desired, coldStarts.get(id));
  }

  private static void apply(RevisionSeries s, Gauge g, boolean desired, Timer cold) {
    int v = (int) Math.round(g.value());
    if (desired) {
      s.desired(v);
    } else {
      s.ready(v);
    }
    if (cold != null) {
      s.coldStarts(cold.count(), cold.mean(TimeUnit.MILLISECONDS));
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
    for (Map.Entry<Key, RevisionSeries> e : series.entrySet()) {
      RevisionSeries s = e.getValue();
      JsonArray points = new JsonArray();
      for (double[] p : s.points()) {
        points.add(
            new JsonArray().add((long) p[0]).add(p[1]).add(p[2]).add(p[3]).add(p[4]).add(p[5]));
      }
      revisions.add(
          new JsonObject()
              .put("namespace", e.getKey().namespace)
              .put("service", e.getKey().service)
              .put("revision", e.getKey().revision)
              .put("desiredInstances", s.desired())
              .put("readyInstances", s.ready())
              .put("coldStarts", s.coldStarts())
              .put("coldStartMeanMs", s.coldStartMeanMs())
              .put("requests", (long) s.requests())
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
}
