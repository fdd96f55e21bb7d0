package dev.skiff.controlplane.spi;

import dev.skiff.controlplane.Listing;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import java.util.List;
import java.util.Optional;

/**
 * A key-value store with etcd's model: every write gets the next value of one global, monotonically
 * increasing revision; writes are conditional on a key's mod revision (optimistic concurrency); and
 * watches replay history from a revision before delivering live changes, in revision order.
 *
 * <p>Threads: every method may be called from any thread, including an event loop, and never
 * blocks. Returned futures complete on the caller's Vert.x context when the call was made on one,
 * otherwise on a store thread; do not block in their callbacks. A write's future completes only
 * once the write is durable.
 *
 * <p>Failures: a failed condition is a {@link dev.skiff.controlplane.StaleRevisionException}; a
 * watch from compacted history a {@link dev.skiff.controlplane.CompactedException}; I/O trouble a
 * {@link dev.skiff.controlplane.StoreException}.
 */
public interface Store {

  /** Expected mod revision meaning "whatever is there, or nothing". */
  long ANY = -1;

  /** Expected mod revision meaning "the key must not exist". */
  long ABSENT = 0;

  /** The entry under {@code key}, if any. */
  Future<Optional<Entry>> get(String key);

  /** Every entry whose key starts with {@code prefix}, sorted by key. */
  default Future<List<Entry>> list(String prefix) {
    return listing(prefix).map(Listing::items);
  }

  /** Like {@link #list} plus the store revision the entries were read at, for list-then-watch. */
  Future<Listing<Entry>> listing(String prefix);

  /**
   * Writes {@code value} under {@code key} if its mod revision is {@code expectedModRevision}:
   * {@link #ANY}, {@link #ABSENT} or an exact revision; otherwise fails with a {@link
   * dev.skiff.controlplane.StaleRevisionException} and writes nothing.
   *
   * @return the entry as written, carrying its new mod revision
   */
  Future<Entry> put(String key, byte[] value, long expectedModRevision);

  /**
   * Deletes {@code key} if its mod revision is {@code expectedModRevision} ({@link #ANY} or an
   * exact revision); a mismatch fails with a {@link dev.skiff.controlplane.StaleRevisionException}.
   *
   * @return true if the key existed and is now deleted, false if there was nothing to delete
   */
  Future<Boolean> delete(String key, long expectedModRevision);

  /** The store's current revision: that of the last write, {@code 0} for an empty new store. */
  Future<Long> revision();

  /**
   * Watches keys starting with {@code prefix}: first every change with a revision greater than
   * {@code fromRevision} that the history still holds, then live changes, each exactly once and in
   * revision order. {@code fromRevision} 0 replays the whole history.
   *
   * <p>Threads: when called on a Vert.x context, {@code handler} runs on that context; otherwise on
   * a store thread. Either way one event at a time, never concurrently.
   */
  Watch watch(String prefix, long fromRevision, Handler<StoreEvent> handler);

  /** Stops taking writes, finishes those accepted, ends every watch and releases files. */
  Future<Void> close();
}
