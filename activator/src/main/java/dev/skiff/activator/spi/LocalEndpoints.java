package dev.skiff.activator.spi;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;

/**
 * The instances this process serves itself (Wasm instances in skiffd's one JVM): the activator
 * hands their requests to the instance's sidecar in process, with no socket between them, instead
 * of opening a connection (and a TLS handshake) to the sidecar's listener. The sidecar still checks
 * the activator's identity against the service's policy, applies its concurrency limit and counts
 * the request; only the hop that would stay inside one process is left out.
 */
@FunctionalInterface
public interface LocalEndpoints {
  /** No instance is served in process: every request goes over the network. */
  LocalEndpoints NONE = endpoint -> null;

  /**
   * The in-process entry of the instance at {@code endpoint} when this process serves it and it
   * still takes requests (the identity must be the endpoint's); null otherwise, and the request
   * goes to the endpoint's address. Called on an event loop: must not block.
   */
  LocalEndpoint find(Endpoint endpoint);

  /** One instance's sidecar, entered in process. */
  @FunctionalInterface
  interface LocalEndpoint {
    /**
     * Serves {@code request} (its body paused, its headers those the instance is to see) as the
     * sidecar serves a request from the activator over the network: it answers on the request's own
     * response. Completes when the exchange is over; fails when {@code cancellation} fails first
     * (the client left, a deadline passed). Called on the request's event loop.
     */
    Future<Void> serve(HttpServerRequest request, Future<Void> cancellation);
  }
}
