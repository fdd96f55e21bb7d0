package dev.skiff.controlplane.internal.auth;

import dev.skiff.api.manifest.Json;
import dev.skiff.controlplane.NotFoundException;
import dev.skiff.controlplane.spi.Entry;
import dev.skiff.controlplane.spi.Store;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Records of one type kept as JSON under a key prefix of the store, outside the resource keys and
 * so outside the change feed: what the API's scoped tokens and the nodes' bootstrap tokens share.
 */
public final class StoredRecords<T> {
  private final Store store;
  private final String prefix;
  private final Class<T> type;
  private final String what;

  /**
   * @param what how an unreadable entry is named in the error, e.g. "token"
   */
  public StoredRecords(Store store, String prefix, Class<T> type, String what) {
    this.store = Objects.requireNonNull(store, "store");
    this.prefix = Objects.requireNonNull(prefix, "prefix");
    this.type = Objects.requireNonNull(type, "type");
    this.what = Objects.requireNonNull(what, "what");
  }

  /** Every record, in the store's key order. */
  public Future<List<T>> all() {
    return store
        .list(prefix)
        .map(
            entries -> {
              List<T> out = new ArrayList<>(entries.size());
              for (Entry e : entries) {
                out.add(read(e));
              }
              return out;
            });
  }

  /**
   * Writes {@code record} under {@code id} if there is none; fails with the store's stale error.
   */
  public Future<Void> create(String id, T record) {
    byte[] value = Json.write(record).getBytes(StandardCharsets.UTF_8);
    return store.put(prefix + id, value, Store.ABSENT).mapEmpty();
  }

  /** Deletes the record {@code id}; fails with {@code missing}'s exception when there is none. */
  public Future<Void> delete(String id, Supplier<NotFoundException> missing) {
    return store
        .delete(prefix + id, Store.ANY)
        .compose(
            deleted ->
                deleted ? Future.<Void>succeededFuture() : Future.failedFuture(missing.get()));
  }

  private T read(Entry e) {
    try {
      return Json.mapper().readValue(e.value(), type);
    } catch (IOException ex) {
      throw new UncheckedIOException("unreadable " + what + " entry " + e.key(), ex);
    }
  }
}
