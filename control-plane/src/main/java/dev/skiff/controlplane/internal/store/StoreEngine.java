package dev.skiff.controlplane.internal.store;

import dev.skiff.controlplane.Listing;
import dev.skiff.controlplane.StoreException;
import dev.skiff.controlplane.spi.Entry;
import dev.skiff.controlplane.spi.Store;
import dev.skiff.controlplane.spi.StoreEvent;
import dev.skiff.controlplane.spi.Watch;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The embedded store's machinery behind {@link dev.skiff.controlplane.EmbeddedStore}: reads from
 * the in-memory state, writes through the commit thread, watches from the history.
 */
public final class StoreEngine {
  private static final System.Logger LOG = System.getLogger(StoreEngine.class.getName());

  private final StoreState state;
  private final CommitLoop loop;
  private final ExecutorService events;
  private volatile Future<Void> closing;

  private StoreEngine(StoreState state, CommitLoop loop, ExecutorService events) {
    this.state = state;
    this.loop = loop;
    this.events = events;
  }

  /** Recovers the store in {@code dir} on a new commit thread, which then keeps serving writes. */
  public static Future<StoreEngine> open(
      Path dir, MeterRegistry registry, int historyLimit, long historyBytes, long segmentBytes) {
    ExecutorService events =
        Executors.newSingleThreadExecutor(r -> Compactor.daemon(r, "skiff-store-events"));
    Reply<StoreEngine> opened = new Reply<>(events);
    Thread commit =
        Compactor.daemon(
            () -> {
              long start = System.nanoTime();
              StoreFiles files = null;
              CommitLoop loop;
              try {
                files = StoreFiles.open(dir);
                Recovery.Result rec = Recovery.run(files, historyLimit, historyBytes);
                countRecovered(registry, "snapshot", rec.fromSnapshot());
                countRecovered(registry, "log", rec.replayed());
                loop =
                    new CommitLoop(
                        rec,
                        files,
                        new Compactor(files, registry),
                        new BatchWriter(registry),
                        events,
                        segmentBytes,
                        events::shutdown);
                LOG.log(
                    System.Logger.Level.INFO,
                    String.format(
                        "store %s open at revision %d in %d ms (%d bytes of torn tail cut)",
                        dir,
                        rec.revision(),
                        (System.nanoTime() - start) / 1_000_000,
                        rec.truncatedBytes()));
                opened.succeed(new StoreEngine(rec.state(), loop, events));
              } catch (IOException | RuntimeException e) {
                closeQuietly(files);
                opened.fail(
                    new StoreException(
                        "cannot open the store in " + dir + ": " + e.getMessage(), e));
                events.shutdown();
                return;
              }
              loop.run();
            },
            "skiff-store-commit");
    commit.start();
    return opened.future();
  }

  private static void closeQuietly(StoreFiles files) {
    try {
      if (files != null) {
        files.close();
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "closing " + files.dir(), e);
    }
  }

  public Future<Optional<Entry>> get(String key) {
    return Future.succeededFuture(state.get(key));
  }

  public Future<Listing<Entry>> listing(String prefix) {
    return Future.succeededFuture(state.listing(prefix));
  }

  public Future<Entry> put(String key, byte[] value, long expectedModRevision) {
    checkExpected(expectedModRevision);
    Reply<Entry> reply = new Reply<>(events);
    loop.submit(
        Tasks.Write.put(key, Arrays.copyOf(value, value.length), expectedModRevision, reply));
    return reply.future();
  }

  public Future<Boolean> delete(String key, long expectedModRevision) {
    checkExpected(expectedModRevision);
    Reply<Boolean> reply = new Reply<>(events);
    loop.submit(Tasks.Write.delete(key, expectedModRevision, reply));
    return reply.future();
  }

  private static void checkExpected(long expected) {
    if (expected < Store.ANY) {
      throw new IllegalArgumentException(
          "expected mod revision must be ANY, ABSENT or > 0, got " + expected);
    }
  }

  public Future<Long> revision() {
    return Future.succeededFuture(state.revision());
  }

  public Watch watch(String prefix, long fromRevision, Handler<StoreEvent> handler) {
    return state.watch(prefix, fromRevision, handler, Reply.callerExecutor(events));
  }

  private static void countRecovered(MeterRegistry registry, String source, long records) {
    Counter.builder("skiff.store.recovered")
        .description("entries restored from the snapshot and log records replayed at open")
        .tag("source", source)
        .register(registry)
        .increment(records);
  }

  /** Rolls the log and writes a snapshot; {@code dropHistory} also forgets the watch history. */
  public Future<Void> snapshot(boolean dropHistory) {
    Reply<Void> reply = new Reply<>(events);
    loop.submit(new Tasks.Snapshot(dropHistory, reply));
    return reply.future();
  }

  public synchronized Future<Void> close() {
    if (closing == null) {
      Reply<Void> reply = new Reply<>(events);
      loop.stop(new Tasks.Stop(reply));
      closing = reply.future();
    }
    return closing;
  }
}
