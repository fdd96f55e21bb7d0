package dev.skiff.controlplane.internal.resources;

import dev.skiff.api.model.Resource;
import dev.skiff.controlplane.Listing;
import dev.skiff.controlplane.spi.Store;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Typed access to resources in the {@link Store}. */
public final class Repository {
  private final Store store;

  public Repository(Store store) {
    this.store = store;
  }

  public Store store() {
    return store;
  }

  public <T extends Resource> Future<Optional<T>> get(String key, Class<T> type) {
    return store.get(key).map(e -> e.map(entry -> ResourceCodec.decode(entry, type)));
  }

  /** Resources under {@code prefix}, sorted by key, with the revision they were read at. */
  public <T extends Resource> Future<Listing<T>> list(String prefix, Class<T> type) {
    return store
        .listing(prefix)
        .map(
            l -> {
              List<T> items = new ArrayList<>(l.items().size());
              l.items().forEach(e -> items.add(ResourceCodec.decode(e, type)));
              return new Listing<>(l.revision(), items);
            });
  }

  /**
   * Writes {@code r} if the key is at {@code expected}; answers {@code r} with its resourceVersion.
   */
  public <T extends Resource> Future<T> put(String key, T r, long expected, Class<T> type) {
    return store
        .put(key, ResourceCodec.encode(r), expected)
        .map(e -> type.cast(r.withMetadata(r.metadata().withResourceVersion(e.modRevision()))));
  }

  public Future<Boolean> delete(String key, long expected) {
    return store.delete(key, expected);
  }
}
