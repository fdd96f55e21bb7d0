package dev.skiff.controlplane.nodes;

import io.vertx.core.Future;
import java.util.Map;
import java.util.Optional;

/**
 * Where the node port opens the secrets and config maps that revisions assigned to a node take env
 * from (the control plane's sealed secrets). Called on a Vert.x event loop; must not block.
 */
public interface EnvValues {
  /** Opens nothing: every source is missing. */
  EnvValues NONE =
      new EnvValues() {
        @Override
        public Future<Optional<Map<String, String>>> secret(String namespace, String name) {
          return Future.succeededFuture(Optional.empty());
        }

        @Override
        public Future<Optional<Map<String, String>>> configMap(String namespace, String name) {
          return Future.succeededFuture(Optional.empty());
        }
      };

  /** A secret's values by key, opened; empty when it does not exist. */
  Future<Optional<Map<String, String>>> secret(String namespace, String name);

  /** A config map's data by key; empty when it does not exist. */
  Future<Optional<Map<String, String>>> configMap(String namespace, String name);
}
