package dev.skiff.gateway.spi;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;

/**
 * The activator, when it runs in the gateway's own process (skiffd's all-in-one mode): the gateway
 * hands it a request in process instead of opening a connection to its listener, so a cold request
 * pays no socket, TLS or HTTP/2 framing for that hop. The activator still checks the gateway's
 * identity against its allowed callers, and applies its queue bounds and timeouts; only the hop
 * that would stay inside one process is left out.
 */
@FunctionalInterface
public interface LocalActivator {
  /**
   * Serves {@code request} (its body paused, its headers those the activator is to see: the
   * revision, timeout and forwarding headers the gateway sets) as the activator serves one from the
   * gateway over the network: it answers on the request's own response. Completes when the exchange
   * is over; fails when {@code cancellation} fails first (the client left, the gateway's deadline
   * passed), and the activator then drops the request as if the gateway had reset it. Called on the
   * request's event loop; must not block.
   */
  Future<Void> serve(HttpServerRequest request, Future<Void> cancellation);
}
