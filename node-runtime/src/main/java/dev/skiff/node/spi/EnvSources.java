package dev.skiff.node.spi;

import io.vertx.core.Future;
import java.util.Map;
import java.util.Optional;

/**
 * Where the agent reads secrets and config maps when an instance starts with env taken from them (a
 * template's {@code envValueFrom} and {@code envFrom}). skiffd answers from the control plane,
 * which opens sealed secret values only for this. Called on the agent's event loop; implementations
 * must not block it.
 */
public interface EnvSources {
  /** Nothing to read: every reference is to a source that does not exist. */
  EnvSources NONE =
      new EnvSources() {
        @Override
        public Future<Optional<Map<String, String>>> secret(String namespace, String name) {
          return Future.succeededFuture(Optional.empty());
        }

        @Override
        public Future<Optional<Map<String, String>>> configMap(String namespace, String name) {
          return Future.succeededFuture(Optional.empty());
        }
      };

  /** A secret's values by key; empty when it does not exist. */
  Future<Optional<Map<String, String>>> secret(String namespace, String name);

  /** A config map's data by key; empty when it does not exist. */
  Future<Optional<Map<String, String>>> configMap(String namespace, String name);
}
