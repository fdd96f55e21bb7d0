package dev.skiff.controlplane.internal.store;

import dev.skiff.controlplane.Listing;
import dev.skiff.controlplane.StoreException;
import dev.skiff.controlplane.spi.Entry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Writes snapshots on its own thread while the commit thread keeps appending to a fresh segment,
 * then deletes the segments the snapshot covers. Segments go only after the snapshot is durable, so
 * a crash at any point leaves either the old segments or the new snapshot (or both) to recover
 * from.
 */
final class Compactor {
  private static final System.Logger LOG = System.getLogger(Compactor.class.getName());

  private final StoreFiles files;
  private final ExecutorService thread =
      Executors.newSingleThreadExecutor(r -> daemon(r, "skiff-store-compactor"));
  private final AtomicInteger pending = new AtomicInteger();
  private final Timer duration;

  Compactor(StoreFiles files, MeterRegistry registry) {
    this.files = files;
    this.duration =
        Timer.builder("skiff.store.snapshot")
            .description("time to write a snapshot")
            .register(registry);
  }

  static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** True while a snapshot is being written. */
  boolean busy() {
    return pending.get() > 0;
  }

  /**
   * Snapshots {@code state} (taken at its revision) in the background; {@code done} gets the
   * outcome.
   */
  void snapshot(Listing<Entry> state, Reply<Void> done) {
    pending.incrementAndGet();
    thread.execute(
        () -> {
          try {
            duration.record(() -> write(state));
            done.succeed(null);
          } catch (RuntimeException e) {
            LOG.log(
                System.Logger.Level.ERROR,
                "snapshot at revision " + state.revision() + " failed",
                e);
            done.fail(
                new StoreException("snapshot at revision " + state.revision() + " failed", e));
          } finally {
            pending.decrementAndGet();
          }
        });
  }

  private void write(Listing<Entry> state) {
    try {
      SnapshotFile.write(files, state.revision(), state.items());
      for (Path segment : files.segments()) {
        if (StoreFiles.firstRevision(segment) <= state.revision()) {
          Files.deleteIfExists(segment);
        }
      }
      files.syncDir();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Lets a running snapshot finish. */
  void shutdown() throws InterruptedException {
    thread.shutdown();
    thread.awaitTermination(1, TimeUnit.MINUTES);
  }
}
