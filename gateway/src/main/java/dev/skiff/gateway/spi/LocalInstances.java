package dev.skiff.gateway.spi;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;

/**
 * The instances whose sidecar runs in the gateway's own process (skiffd's all-in-one mode): the
 * gateway hands a request for one of them to its sidecar in process instead of opening a connection
 * to the sidecar's listener, so the warm path pays no socket, TLS or HTTP/2 framing for that hop.
 * The sidecar still checks the gateway's identity against the service's policy, applies its
 * concurrency limit and timeout, counts the request and drains; only the hop that would stay inside
 * one process is left out. Endpoints without an entry are called over the network as before.
 *
 * <p>Threading: {@link #find} is called on the gateway's event loops, concurrently, once per
 * request sent straight to an instance; it must be thread-safe and must not block.
 */
@FunctionalInterface
public interface LocalInstances {
  /** No instance is served in process: every request goes over the network. */
  LocalInstances NONE = endpoint -> null;

  /**
   * The in-process entry of the sidecar at {@code endpoint} when this process runs it, it presents
   * exactly the endpoint's identity and it still takes requests; null otherwise (the request then
   * goes to the endpoint's address).
   */
  LocalInstance find(Endpoint endpoint);

  /** One instance's sidecar, entered in process. */
  @FunctionalInterface
  interface LocalInstance {
    /**
     * Serves {@code request} (its body paused, its headers those the instance's sidecar is to see:
     * the end-to-end and forwarding headers the gateway sets) as the sidecar serves one from the
     * gateway over mutual TLS, with the gateway's identity as the caller: it answers on the
     * request's own response. Completes when the exchange is over; fails when {@code cancellation}
     * fails first (the client left, the route's timeout passed), and the sidecar then drops the
     * request as if the gateway had reset it. Called on the request's event loop; must not block.
     */
    Future<Void> serve(HttpServerRequest request, Future<Void> cancellation);
  }
}
