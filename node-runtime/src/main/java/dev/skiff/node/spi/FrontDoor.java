package dev.skiff.node.spi;

import io.vertx.core.Future;

/**
 * Puts an {@link InstanceFront} in front of every instance the agent starts: the plain loopback
 * front of node-runtime ({@code dev.skiff.node.LoopbackFront}), or skiffd's mesh sidecar. The agent
 * publishes the front's address, never the instance's own.
 */
@FunctionalInterface
public interface FrontDoor {
  /**
   * Opens the front of {@code instance}, just started from {@code spec}. The front serves the
   * instance's {@link Instance#handler()} in process when it has one, else forwards to {@link
   * Instance#host()}:{@link Instance#port()}; either way it counts each request once in {@link
   * InstanceSpec#requests()} (enter on arrival, leave when its answer ends or its client goes), as
   * proxied when the activator forwarded it ({@code Skiff-Proxied-By: activator}). Called on the
   * agent's event loop; must not block. A failed future fails the start: the agent stops the
   * instance and retries with backoff.
   */
  Future<InstanceFront> open(InstanceSpec spec, Instance instance);
}
