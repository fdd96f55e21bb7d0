package dev.skiff.server;

import dev.skiff.activator.spi.EndpointWatch.Subscription;
import dev.skiff.activator.spi.RevisionEndpoints;
import dev.skiff.node.EndpointRegistry;
import java.util.List;
import java.util.function.Consumer;

/** A revision's ready instances in an {@link EndpointRegistry}, as the activator sees them. */
final class RegistryEndpointWatch {
  private RegistryEndpointWatch() {}

  /**
   * Tells {@code listener} each change of the revision's instances in {@code registry}, with {@code
   * containerConcurrency} as the revision's per-instance limit.
   */
  static Subscription watch(
      EndpointRegistry registry,
      String namespace,
      String revision,
      int containerConcurrency,
      Consumer<RevisionEndpoints> listener) {
    Runnable cancel =
        registry.watch(
            namespace,
            revision,
            state ->
                listener.accept(
                    new RevisionEndpoints(
                        convert(state.ready()), containerConcurrency, state.unavailable())));
    return cancel::run;
  }

  private static List<dev.skiff.activator.spi.Endpoint> convert(List<dev.skiff.node.Endpoint> in) {
    return in.stream()
        .map(
            e ->
                new dev.skiff.activator.spi.Endpoint(
                    e.host(), e.port(), e.identity(), e.instanceId()))
        .toList();
  }
}
