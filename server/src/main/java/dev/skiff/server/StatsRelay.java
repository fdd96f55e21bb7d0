package dev.skiff.server;

import dev.skiff.api.stats.RevisionKey;
import dev.skiff.api.stats.Stat;
import dev.skiff.controlplane.spi.Store;
import dev.skiff.controlplane.spi.StoreEvent;
import dev.skiff.controlplane.spi.Watch;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The autoscaler's input shared by every skiffd on one store. A node agent reports its stats to one
 * control plane and each activator pokes and reports to its own; so that every autoscaler decides
 * from all of them (the leader, whose decisions placement follows, and every other, ready to take
 * over with full windows), each skiffd records what it gets and writes it, once a second, to {@code
 * /skiff-relay/stats/{identity}}, and a poke at once to {@code /skiff-relay/pokes/{identity}}; each
 * follows the others' keys and records or pokes the same. Alone on a store ({@link #local}) it only
 * records.
 */
final class StatsRelay {
  private static final System.Logger LOG = System.getLogger(StatsRelay.class.getName());
  static final String PREFIX = "/skiff-relay/";
  private static final String STATS = PREFIX + "stats/";
  private static final String POKES = PREFIX + "pokes/";

  /** At most this many stats wait for one write (about 1 MiB of JSON, etcd's value limit). */
  static final int MAX_WAITING = 5_000;

  private final Consumer<Stat> sink;
  private final BiConsumer<String, String> poker;
  private final Vertx vertx;
  private final Store store;
  private final String identity;
  private final List<Stat> waiting = new ArrayList<>();
  private long timer = -1;
  private Watch watch;
  private long dropped;

  private StatsRelay(
      Consumer<Stat> sink,
      BiConsumer<String, String> poker,
      Vertx vertx,
      Store store,
      String identity) {
    this.sink = sink;
    this.poker = poker;
    this.vertx = vertx;
    this.store = store;
    this.identity = identity;
  }

  /** One skiffd alone on its store: stats go to {@code sink}, pokes to {@code poker}. */
  static StatsRelay local(Consumer<Stat> sink, BiConsumer<String, String> poker) {
    return new StatsRelay(sink, poker, null, null, null);
  }

  /** Shares stats and pokes through {@code store} with the other skiffd on it. */
  static StatsRelay shared(
      Consumer<Stat> sink,
      BiConsumer<String, String> poker,
      Vertx vertx,
      Store store,
      String identity) {
    return new StatsRelay(sink, poker, vertx, store, identity);
  }

  /** A stat received here (a node's, the activator's): recorded, and relayed to the others. */
  void record(Stat stat) {
    sink.accept(stat);
    if (store == null) {
      return;
    }
    if (Stat.ACTIVATOR.equals(stat.instance())) {
      // Every skiffd's activator reports as "activator": named apart, they count apart.
      stat =
          new Stat(
              stat.revision(),
              Stat.ACTIVATOR + "@" + identity,
              stat.time(),
              stat.averageConcurrency(),
              stat.averageProxiedConcurrency(),
              stat.peakConcurrency(),
              stat.requestCount(),
              stat.proxiedRequestCount(),
              stat.processUptimeSeconds());
    }
    synchronized (waiting) {
      if (waiting.size() < MAX_WAITING) {
        waiting.add(stat);
      } else {
        dropped++;
      }
    }
  }

  /** The activator's poke (a request for a revision at zero): here at once, and to the others. */
  void poke(String namespace, String revision) {
    poker.accept(namespace, revision);
    if (store == null) {
      return;
    }
    JsonObject p =
        new JsonObject()
            .put("namespace", namespace)
            .put("revision", revision)
            .put("at", System.nanoTime());
    store
        .put(POKES + identity, bytes(p.encode()), Store.ANY)
        .onFailure(e -> LOG.log(Level.WARNING, "could not relay a poke: {0}", e.getMessage()));
  }

  /** Follows the others' stats and pokes, and writes this one's every second. */
  Future<Void> start() {
    if (store == null) {
      return Future.succeededFuture();
    }
    return store
        .revision()
        .compose(
            rev -> {
              watch = store.watch(PREFIX, rev, this::onEvent);
              timer = vertx.setPeriodic(1000, id -> flush());
              return watch.started();
            });
  }

  /** Stops relaying and removes this one's keys. */
  Future<Void> stop() {
    if (store == null) {
      return Future.succeededFuture();
    }
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (watch != null) {
      watch.cancel();
    }
    return Future.join(
            store.delete(STATS + identity, Store.ANY), store.delete(POKES + identity, Store.ANY))
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  private void flush() {
    List<Stat> batch;
    long lost;
    synchronized (waiting) {
      if (waiting.isEmpty()) {
        return;
      }
      batch = new ArrayList<>(waiting);
      waiting.clear();
      lost = dropped;
      dropped = 0;
    }
    if (lost > 0) {
      LOG.log(Level.WARNING, "{0} stats were not relayed (over {1} a second)", lost, MAX_WAITING);
    }
    JsonArray a = new JsonArray();
    batch.forEach(s -> a.add(encode(s)));
    store
        .put(STATS + identity, bytes(a.encode()), Store.ANY)
        .onFailure(e -> LOG.log(Level.WARNING, "could not relay stats: {0}", e.getMessage()));
  }

  private void onEvent(StoreEvent ev) {
    String key = ev.entry().key();
    if (ev.type() != StoreEvent.Type.PUT || key.endsWith("/" + identity)) {
      return; // our own, or a skiffd that stopped
    }
    try {
      String text = new String(ev.entry().value(), StandardCharsets.UTF_8);
      if (key.startsWith(STATS)) {
        for (Object o : new JsonArray(text)) {
          sink.accept(decode((JsonObject) o));
        }
      } else if (key.startsWith(POKES)) {
        JsonObject p = new JsonObject(text);
        poker.accept(p.getString("namespace"), p.getString("revision"));
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "ignored an unreadable relay entry {0}: {1}", key, e.getMessage());
    }
  }

  static JsonObject encode(Stat s) {
    return new JsonObject()
        .put("ns", s.revision().namespace())
        .put("rev", s.revision().name())
        .put("instance", s.instance())
        .put("time", s.time().toEpochMilli())
        .put("ac", s.averageConcurrency())
        .put("apc", s.averageProxiedConcurrency())
        .put("pc", s.peakConcurrency())
        .put("rc", s.requestCount())
        .put("prc", s.proxiedRequestCount())
        .put("up", s.processUptimeSeconds());
  }

  static Stat decode(JsonObject o) {
    return new Stat(
        RevisionKey.of(o.getString("ns"), o.getString("rev")),
        o.getString("instance"),
        Instant.ofEpochMilli(o.getLong("time")),
        o.getDouble("ac"),
        o.getDouble("apc"),
        o.getDouble("pc"),
        o.getDouble("rc"),
        o.getDouble("prc"),
        o.getDouble("up"));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
