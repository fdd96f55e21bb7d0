package dev.skiff.proxy;

import io.vertx.core.http.HttpClient;
import java.time.Duration;
import java.util.Set;

/**
 * The stale connection race over a proxy's own connections: the gateway's way to plaintext
 * instances (Netty channels, {@code internal.NettyUpstreams}).
 */
class StaleConnectionOwnTest extends StaleConnectionContract {
  @Override
  EndpointProxy endpointProxy(HttpClient upstreamClient) {
    return new EndpointProxy(upstreamClient, Duration.ofSeconds(5), Set.of()).withOwnConnections(4);
  }
}
