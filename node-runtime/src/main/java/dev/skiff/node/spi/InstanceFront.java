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

  /** The port callers connect to, once {@link #listening()} completed; not positive before. */
  int port();

  /**
   * Completes once callers over the network can connect to {@link #host()}:{@link #port()}. A front
   * that serves its instance in process may be opened before its listener is bound: until then the
   * agent publishes the instance for in-process callers only (an {@link
   * dev.skiff.node.Endpoint#listening() endpoint without a port}), so a cold start does not wait
   * for a socket it does not use. Fails when the listener cannot be bound: the agent then stops the
   * instance and starts another. Completed from the start by default.
   */
  default Future<Void> listening() {
    return Future.succeededFuture();
  }

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
