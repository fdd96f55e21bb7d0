package dev.skiff.server;

import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.gateway.spi.EndpointSource;
import dev.skiff.node.EndpointRegistry;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;

/** The node agent's endpoint registry seen through the gateway's {@link EndpointSource} SPI. */
final class AgentEndpoints implements EndpointSource {
  private final EndpointRegistry registry;

  AgentEndpoints(EndpointRegistry registry) {
    this.registry = registry;
  }

  @Override
  public List<Endpoint> ready(String namespace, String revision) {
    return convert(registry.ready(namespace, revision));
  }

  @Override
  public Future<List<Endpoint>> awaitReady(String namespace, String revision, Duration timeout) {
    return registry.awaitReady(namespace, revision, timeout).map(AgentEndpoints::convert);
  }

  private static List<Endpoint> convert(List<dev.skiff.node.Endpoint> in) {
    return in.stream().map(e -> new Endpoint(e.host(), e.port(), e.identity())).toList();
  }
}
