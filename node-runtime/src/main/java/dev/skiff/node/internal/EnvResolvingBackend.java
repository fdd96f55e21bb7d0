package dev.skiff.node.internal;

import dev.skiff.node.spi.EnvSources;
import dev.skiff.node.spi.Instance;
import dev.skiff.node.spi.InstanceSpec;
import dev.skiff.node.spi.RuntimeBackend;
import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;

/**
 * A backend whose instances start with their env references resolved ({@link EnvResolver}), so Wasm
 * and containers read secrets and config maps alike, at each start (a changed secret reaches the
 * next instance, as in Kubernetes). The resolved values live only in the spec handed to the
 * backend.
 */
public final class EnvResolvingBackend implements RuntimeBackend {
  private final RuntimeBackend inner;
  private final EnvResolver resolver;

  public EnvResolvingBackend(RuntimeBackend inner, EnvResolver resolver) {
    this.inner = inner;
    this.resolver = resolver;
  }

  /** Every backend of {@code backends}, wrapped. */
  public static Map<String, RuntimeBackend> wrapAll(
      Map<String, RuntimeBackend> backends, EnvSources sources) {
    EnvResolver resolver = new EnvResolver(sources);
    Map<String, RuntimeBackend> out = new HashMap<>();
    backends.forEach((kind, b) -> out.put(kind, new EnvResolvingBackend(b, resolver)));
    return Map.copyOf(out);
  }

  @Override
  public String kind() {
    return inner.kind();
  }

  @Override
  public Future<Instance> start(InstanceSpec spec) {
    return resolver
        .resolve(spec.revision())
        .compose(
            r ->
                inner.start(
                    r == spec.revision()
                        ? spec
                        : new InstanceSpec(
                            spec.id(), r, spec.logs(), spec.requests(), spec.progress())));
  }

  /** Passed on unresolved: a backend prepares only revisions without env references. */
  @Override
  public void atZero(dev.skiff.api.model.Revision revision) {
    inner.atZero(revision);
  }

  @Override
  public void forget(String namespace, String revision) {
    inner.forget(namespace, revision);
  }

  @Override
  public Future<Void> close() {
    return inner.close();
  }
}
