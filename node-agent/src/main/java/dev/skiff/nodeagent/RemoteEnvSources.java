package dev.skiff.nodeagent;

import dev.skiff.node.spi.EnvSources;
import io.vertx.core.Future;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The node's {@link EnvSources}: secrets and config maps read from the control plane when an
 * instance starts (GetEnvSource, over the link's mTLS), for the revisions assigned here only. The
 * values are kept nowhere: each start asks again, so a changed secret reaches the next instance.
 */
public final class RemoteEnvSources implements EnvSources {
  private final WorkCalls calls;

  public RemoteEnvSources(WorkCalls calls) {
    this.calls = Objects.requireNonNull(calls);
  }

  @Override
  public Future<Optional<Map<String, String>>> secret(String namespace, String name) {
    return calls.envSource(namespace, true, name);
  }

  @Override
  public Future<Optional<Map<String, String>>> configMap(String namespace, String name) {
    return calls.envSource(namespace, false, name);
  }
}
