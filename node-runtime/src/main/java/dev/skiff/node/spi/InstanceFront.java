package dev.skiff.node.spi;

import io.vertx.core.Future;
import java.time.Duration;

/**
 * The door in front of one instance: the address callers use (the agent publishes it as the
 * instance's endpoint), the identity they must see there, and the place the instance's requests are
 * counted once, whatever its kind. Opened by a {@link FrontDoor}.
 */
public interface InstanceFront {
  /** The address callers connect to. */
  String host();

  int port();

  /**
   * The SPIFFE ID the front proves with its certificate ({@code spiffe://{td}/ns/{ns}/svc/{svc}}),
   * or null for a plaintext front.
   */
  String identity();

  /**
   * Stops accepting at once, lets requests in flight finish for up to {@code drain}, then closes.
   * Called on the agent's event loop before the instance itself stops; must not block and should
   * not fail (a failure is logged and the instance stops anyway).
   */
  Future<Void> stop(Duration drain);
}
