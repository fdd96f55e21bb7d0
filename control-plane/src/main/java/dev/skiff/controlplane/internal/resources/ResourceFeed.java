package dev.skiff.controlplane.internal.resources;

import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.controlplane.spi.Entry;
import dev.skiff.controlplane.spi.Store;
import dev.skiff.controlplane.spi.StoreEvent;
import dev.skiff.controlplane.spi.Watch;
import io.vertx.core.Future;
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

  /**
   * List-then-watch: hands every current resource to the handler as a PUT, in key order, then every
   * later change. The future completes once the current state was handed over and the watch runs.
   */
  public Future<Watch> follow(Handler<ResourceEvent> handler) {
    return store
        .listing(Keys.ROOT)
        .compose(
            listing -> {
              for (Entry e : listing.items()) {
                toResourceEvent(new StoreEvent(StoreEvent.Type.PUT, e)).ifPresent(handler::handle);
              }
              Watch w = watch(listing.revision(), handler);
              return w.started().map(w);
            });
  }

  static Optional<ResourceEvent> toResourceEvent(StoreEvent e) {
    String key = e.entry().key();
    return Keys.kindOf(key)
        .map(
            kind ->
                new ResourceEvent(
                    e.type() == StoreEvent.Type.PUT
                        ? ResourceEvent.Type.PUT
                        : ResourceEvent.Type.DELETE,
                    kind,
                    key,
                    e.revision(),
                    ResourceCodec.tree(e.entry())));
  }
}
