package dev.skiff.controlplane.internal.resources;

import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.controlplane.spi.Store;
import dev.skiff.controlplane.spi.StoreEvent;
import dev.skiff.controlplane.spi.Watch;
import io.vertx.core.Handler;
import java.util.Optional;

/** The store's change feed as {@link ResourceEvent}s of every resource kind. */
public final class ResourceFeed {
  private final Store store;

  public ResourceFeed(Store store) {
    this.store = store;
  }

  /** Watches every resource from {@code fromRevision}; see {@link Store#watch} for threads. */
  public Watch watch(long fromRevision, Handler<ResourceEvent> handler) {
    return store.watch(Keys.ROOT, fromRevision, e -> toResourceEvent(e).ifPresent(handler::handle));
  }

  static Optional<ResourceEvent> toResourceEvent(StoreEvent e) {
    String key = e.entry().key();
    return Keys.kindOf(key).map(kind -> new ResourceEvent(
        e.type() == StoreEvent.Type.PUT ? ResourceEvent.Type.PUT : ResourceEvent.Type.DELETE,
        kind, key, e.revision(), ResourceCodec.tree(e.entry())));
  }
}
