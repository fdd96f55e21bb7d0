package dev.skiff.controlplane;

import dev.skiff.controlplane.internal.store.StoreEngine;
import dev.skiff.controlplane.spi.Entry;
import dev.skiff.controlplane.spi.Store;
import dev.skiff.controlplane.spi.StoreEvent;
import dev.skiff.controlplane.spi.Watch;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The default {@link Store}: a local data directory holding an append-only log (records framed with
 * length and CRC32C, fsync'd before a write is acknowledged, concurrent writes sharing one fsync)
 * and a snapshot the log is compacted into. A crash at any moment loses no acknowledged write;
 * reopening cuts off a torn tail. One process at a time may open a directory.
 *
 * <pre>{@code
 * EmbeddedStore store = EmbeddedStore.builder().withDataDir(dir).build().open().await();
 * }</pre>
 */
public final class EmbeddedStore implements Store {
  private final StoreEngine engine;

  private EmbeddedStore(StoreEngine engine) {
    this.engine = engine;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Future<Optional<Entry>> get(String key) {
    return engine.get(key);
  }

  @Override
  public Future<Listing<Entry>> listing(String prefix) {
    return engine.listing(prefix);
  }

  @Override
  public Future<Entry> put(String key, byte[] value, long expectedModRevision) {
    return engine.put(key, value, expectedModRevision);
  }

  @Override
  public Future<Boolean> delete(String key, long expectedModRevision) {
    return engine.delete(key, expectedModRevision);
  }

  @Override
  public Future<Long> revision() {
    return engine.revision();
  }

  @Override
  public Watch watch(String prefix, long fromRevision, Handler<StoreEvent> handler) {
    return engine.watch(prefix, fromRevision, handler);
  }

  /**
   * Writes a snapshot of the current state and drops the log it covers and the watch history, like
   * etcd's compact: afterwards, watches from older revisions fail with {@link CompactedException}.
   * Snapshots also happen by themselves whenever the log grows past the segment size; those keep
   * the history.
   */
  public Future<Void> compact() {
    return engine.snapshot(true);
  }

  @Override
  public Future<Void> close() {
    return engine.close();
  }

  /** Configures an {@link EmbeddedStore}. */
  public static final class Builder {
    private Path dataDir;
    private MeterRegistry registry = new SimpleMeterRegistry();
    private int historyLimit = 100_000;
    private long historyBytes = 512L << 10;
    private long segmentBytes = 64L << 20;

    private Builder() {}

    /** The directory holding the store's files (required); created if missing. */
    public Builder withDataDir(Path dir) {
      this.dataDir = dir;
      return this;
    }

    /** Where the store's meters go ({@code skiff.store.*}); default a private simple registry. */
    public Builder withMeterRegistry(MeterRegistry meterRegistry) {
      this.registry = meterRegistry;
      return this;
    }

    /** How many recent changes watches may replay from; default 100,000. */
    public Builder withHistoryLimit(int events) {
      if (events < 1) {
        throw new IllegalArgumentException("history limit must be >= 1, got " + events);
      }
      this.historyLimit = events;
      return this;
    }

    /**
     * How many bytes of values the recent changes may hold at most; default 512 KiB (about 500
     * changes of a service or revision, minutes of an operator's work). Each change keeps the value
     * it wrote, so with thousands of resources a history of 100,000 changes held many old copies of
     * every one of them; a watch from further back fails with {@link CompactedException} (a client
     * lists again and watches from the listing, as after etcd's compaction, which Kubernetes runs
     * every 5 minutes). Watchers in skiffd's own process never fall behind it; the bound serves
     * watches resumed after a disconnect. The newest change is always kept.
     */
    public Builder withHistoryBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("history bytes must be >= 1, got " + bytes);
      }
      this.historyBytes = bytes;
      return this;
    }

    /** Log size after which a snapshot is written and the log restarted; default 64 MiB. */
    public Builder withSegmentBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("segment bytes must be >= 1, got " + bytes);
      }
      this.segmentBytes = bytes;
      return this;
    }

    public Opener build() {
      Objects.requireNonNull(dataDir, "withDataDir(..) is required");
      return new Opener(dataDir, registry, historyLimit, historyBytes, segmentBytes);
    }
  }

  /** A configured store, ready to open. */
  public record Opener(
      Path dataDir,
      MeterRegistry registry,
      int historyLimit,
      long historyBytes,
      long segmentBytes) {
    /**
     * Recovers the directory's state off the caller's thread; fails with {@link StoreException}.
     */
    public Future<EmbeddedStore> open() {
      return StoreEngine.open(dataDir, registry, historyLimit, historyBytes, segmentBytes)
          .map(EmbeddedStore::new);
    }
  }
}
