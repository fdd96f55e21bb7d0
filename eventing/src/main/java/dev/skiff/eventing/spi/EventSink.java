package dev.skiff.eventing.spi;

import io.vertx.core.Future;

/**
 * Where the dispatcher sends each event: one CloudEvents binary-mode POST to a service, answered
 * whole. skiffd's mesh gives one that calls the service's instances as {@code
 * spiffe://{td}/skiff/eventing}; without the mesh the dispatcher posts to the gateway. Called on a
 * Vert.x event loop, concurrently for many events; must not block.
 */
@FunctionalInterface
public interface EventSink {
  /**
   * Delivers {@code request} to {@code namespace/service} within {@code request.timeout()}.
   * Completes with the answer, whatever its status (an answer of the platform's own, such as 403,
   * 502 or 504, included); fails only when no answer came (a connection error, the timeout), with a
   * cause that says so. The future may complete on any thread.
   */
  Future<EventReply> deliver(String namespace, String service, EventRequest request);
}
