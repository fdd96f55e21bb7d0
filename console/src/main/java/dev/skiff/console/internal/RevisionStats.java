package dev.skiff.console.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;

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

  /** Each revision's meters, found again only after one of the five names gained or lost one. */
  private List<SampledRevision> revisions = List.of();

  /** Meters of the five names added since the last search: Micrometer announces them first. */
  private final Queue<Meter> added = new ConcurrentLinkedQueue<>();

  private final Queue<Meter> removed = new ConcurrentLinkedQueue<>();
  private boolean searched;

  public RevisionStats(MeterRegistry registry, Clock clock, int history) {
    this.registry = registry;
    this.clock = clock;
    this.history = history;
    // Micrometer calls the added listeners before the meter is in the registry's map (and the
    // removed ones after it left): a search may miss a meter just announced, so the announced
    // ones are added to what the search finds.
    registry.config().onMeterAdded(m -> note(m, added)).onMeterRemoved(m -> note(m, removed));
  }

  private static void note(Meter m, Queue<Meter> to) {
    switch (m.getId().getName()) {
      case REQUESTS, DURATION, DESIRED, READY, COLD_START -> to.add(m);
      default -> {}
    }
  }

  /**
   * Takes one point per revision: what happened since the previous sample. The registry is searched
   * only when its meters of these names changed; otherwise a sample reads the meters it found last
   * time and allocates nothing for a revision without requests (a thousand revisions at zero kept
   * the young collector busy every few seconds when each sample searched the registry).
   */
  public synchronized void sample() {
    long nowNanos = System.nanoTime();
    double seconds = lastSampleNanos == 0 ? 1 : Math.max(1e-3, (nowNanos - lastSampleNanos) / 1e9);
    lastSampleNanos = nowNanos;
    long t = clock.millis();
    if (!searched || !added.isEmpty() || !removed.isEmpty()) {
      searched = true;
      revisions = index(drain(added), drain(removed));
    }
    for (int i = 0; i < revisions.size(); i++) {
      revisions.get(i).sample(t, seconds, history);
    }
  }

  private static Set<Meter> drain(Queue<Meter> queue) {
    Set<Meter> out = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Meter m = queue.poll(); m != null; m = queue.poll()) {
      out.add(m);
    }
    return out;
  }

  /**
   * Groups the registry's meters of the five names, and those just announced, by revision; keeps
   * the series of the revisions still there. One walk over the registry sorts the meters by name
   * (each name's in the registry's order, then the announced ones); the names are then read in the
   * order their joins need: requests make the revisions, whose latency, cold starts and instance
   * gauges join them.
   */
  private List<SampledRevision> index(Set<Meter> announced, Set<Meter> gone) {
    ByName found = new ByName();
    Set<Meter> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Meter m : registry.getMeters()) {
      if (!gone.contains(m) && found.add(m)) {
        seen.add(m);
      }
    }
    for (Meter m : announced) {
      if (!gone.contains(m) && !seen.contains(m)) {
        found.add(m);
      }
    }
    Map<Key, SampledRevision.Builder> byKey = new HashMap<>();
    for (Counter c : found.requests) {
      Key k = Key.of(c);
      if (k != null) {
        byKey
            .computeIfAbsent(k, x -> new SampledRevision.Builder())
            .counter(c, "5xx".equals(c.getId().getTag("code_class")));
      }
    }
    for (Timer tm : found.durations) {
      Key k = Key.of(tm);
      SampledRevision.Builder r = k == null ? null : byKey.get(k);
      if (r != null) {
        r.latency = tm;
      }
    }
    // A revision's instance gauges join the series of its requests (by namespace and revision,
    // the first in the series' order), else a series of their own under the service they name.
    Map<RevisionId, Key> byRevision = new HashMap<>();
    TreeSet<Key> known = new TreeSet<>(series.keySet());
    known.addAll(byKey.keySet());
    known.forEach(k -> byRevision.putIfAbsent(new RevisionId(k.namespace, k.revision), k));
    Map<RevisionId, Timer> coldStarts = new HashMap<>();
    for (Timer tm : found.coldStarts) {
      RevisionId id = RevisionId.of(tm);
      if (id != null) {
        coldStarts.putIfAbsent(id, tm);
      }
    }
    for (Gauge g : found.desired) {
      instances(g, byKey, byRevision, coldStarts, true);
    }
    for (Gauge g : found.ready) {
      instances(g, byKey, byRevision, coldStarts, false);
    }
    series.keySet().retainAll(byKey.keySet());
    List<SampledRevision> out = new ArrayList<>(byKey.size());
    byKey.forEach((k, r) -> out.add(r.build(series.computeIfAbsent(k, x -> new RevisionSeries()))));
    return out;
  }

  /** The meters of the five names, by name and type. */
  private static final class ByName {
    final List<Counter> requests = new ArrayList<>();
    final List<Timer> durations = new ArrayList<>();
    final List<Timer> coldStarts = new ArrayList<>();
    final List<Gauge> desired = new ArrayList<>();
    final List<Gauge> ready = new ArrayList<>();

    /** Files the meter under its name; false when it is none of the five (or not their type). */
    boolean add(Meter m) {
      switch (m.getId().getName()) {
        case REQUESTS -> {
          return m instanceof Counter c && requests.add(c);
        }
        case DURATION -> {
          return m instanceof Timer t && durations.add(t);
        }
        case COLD_START -> {
          return m instanceof Timer t && coldStarts.add(t);
        }
        case DESIRED -> {
          return m instanceof Gauge g && desired.add(g);
        }
        case READY -> {
          return m instanceof Gauge g && ready.add(g);
        }
        default -> {
          return false;
        }
      }
    }
  }

  private static void instances(
      Gauge g,
      Map<Key, SampledRevision.Builder> byKey,
      Map<RevisionId, Key> byRevision,
      Map<RevisionId, Timer> coldStarts,
      boolean desired) {
    RevisionId id = RevisionId.of(g);
    if (id == null) {
      return;
    }
    Key k = byRevision.get(id);
    if (k == null) {
      // A revision with instances but no request yet: listed under its service once it has one.
      String svc = g.getId().getTag("service");
      k = new Key(id.namespace, svc != null ? svc : service(id.revision), id.revision);
      byRevision.put(id, k);
    }
    SampledRevision.Builder r = byKey.computeIfAbsent(k, x -> new SampledRevision.Builder());
    r.gauge(g, desired);
    r.coldStart = coldStarts.get(id);
  }

  /** A revision by namespace and name, whatever service a meter names. */
  private record RevisionId(String namespace, String revision) {
    static RevisionId of(Meter m) {
      String ns = m.getId().getTag("namespace");
      String rev = m.getId().getTag("revision");
      return ns == null || rev == null ? null : new RevisionId(ns, rev);
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
