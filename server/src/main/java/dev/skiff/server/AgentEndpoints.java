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

  /** Called on every request through the gateway: a plain loop, no stream pipeline. */
  private static List<Endpoint> convert(List<dev.skiff.node.Endpoint> in) {
    int n = in.size();
    if (n == 1) {
      dev.skiff.node.Endpoint e = in.get(0);
      return List.of(new Endpoint(e.host(), e.port(), e.identity()));
    }
    Endpoint[] out = new Endpoint[n];
    for (int i = 0; i < n; i++) {
      dev.skiff.node.Endpoint e = in.get(i);
      out[i] = new Endpoint(e.host(), e.port(), e.identity());
    }
    return List.of(out);
  }
}
