package dev.skiff.server;

import dev.skiff.activator.spi.EndpointWatch;
import dev.skiff.activator.spi.RevisionEndpoints;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.Revision;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.node.EndpointRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * An edge's endpoints seen through the activator's {@link EndpointWatch}: remote nodes' instances
 * (mirrored into {@code registry} by {@link RemoteEndpoints} from the store), each revision's
 * containerConcurrency from the change feed's revisions.
 */
final class EdgeEndpoints implements EndpointWatch {
  private final EndpointRegistry registry;
  private final Map<String, Integer> concurrency = new ConcurrentHashMap<>();

  EdgeEndpoints(EndpointRegistry registry) {
    this.registry = registry;
  }

  /** Keeps each revision's containerConcurrency; other kinds are ignored. */
  void onResourceEvent(ResourceEvent ev) {
    if (!Revision.KIND.equals(ev.kind())) {
      return;
    }
    Revision r;
    try {
      r = Json.mapper().convertValue(ev.object(), Revision.class);
    } catch (IllegalArgumentException e) {
      return; // not a revision this edge can read: its requests use the default (unlimited)
    }
    String key = r.metadata().namespaceOrDefault() + "/" + r.metadata().name();
    if (ev.type() == ResourceEvent.Type.DELETE) {
      concurrency.remove(key);
    } else {
      concurrency.put(key, r.spec().template().containerConcurrencyOrDefault());
    }
  }

  @Override
  public Subscription watch(
      String namespace, String revision, Consumer<RevisionEndpoints> listener) {
    return RegistryEndpointWatch.watch(
        registry,
        namespace,
        revision,
        concurrency.getOrDefault(namespace + "/" + revision, 0),
        listener);
  }
}
