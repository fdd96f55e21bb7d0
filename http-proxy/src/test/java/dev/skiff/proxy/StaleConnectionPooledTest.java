package dev.skiff.proxy;

import io.vertx.core.http.HttpClient;
import java.time.Duration;
import java.util.Set;

/** The stale connection race over the client's pool: the sidecar's and the activator's way. */
class StaleConnectionPooledTest extends StaleConnectionContract {
  @Override
  EndpointProxy endpointProxy(HttpClient upstreamClient) {
    return new EndpointProxy(upstreamClient, Duration.ofSeconds(5), Set.of());
  }
}
