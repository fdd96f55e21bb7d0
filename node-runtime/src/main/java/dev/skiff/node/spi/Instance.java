package dev.skiff.node.spi;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;

/**
 * One running instance of a revision: either served in this process by its {@link #handler()}, or
 * reachable over plaintext HTTP at {@link #host()}:{@link #port()} (a container in its network
 * namespace). Callers never reach it directly: the agent puts an {@link InstanceFront} before it.
 */
public interface Instance {
  String id();

  /** The instance's own address; null for an instance served in process. */
  String host();

  /** The instance's own port; -1 for an instance served in process. */
  int port();

  /**
   * The handler that serves this instance's requests in process, for an instance with no listener
   * of its own (Wasm); null (the default) for one at {@link #host()}:{@link #port()}. Its front
   * calls it on an event loop with each request it let through; the handler answers on the
   * request's response. It must leave the response's end and close handlers to the front (which
   * counts the request with them); it may set the response's exception handler to learn of a client
   * that went away.
   */
  default Handler<HttpServerRequest> handler() {
    return null;
  }

  /**
   * The digest of the image this instance runs ({@code sha256:...}), recorded in the revision's
   * status so later instances run the same bytes even if the tag moves; null for workloads that are
   * not images.
   */
  default String imageDigest() {
    return null;
  }

  /**
   * Completes when the instance ends by itself (it crashed, was OOM-killed, or returned), never
   * after a requested {@link #stop}. The agent then withdraws it and starts another with backoff.
   * Instances that cannot end by themselves keep the default, which never completes.
   */
  default Future<InstanceExit> ended() {
    return Promise.<InstanceExit>promise().future();
  }

  /**
   * Registers who hears when the instance stops passing its readiness probe ({@code false}) and
   * passes it again ({@code true}), after it first became ready; the agent takes it out of the
   * endpoints meanwhile. Called once, on the agent's event loop; the listener may be called on any
   * thread. Instances without a readiness probe keep the default, which never calls it.
   */
  default void onReadinessChange(java.util.function.Consumer<Boolean> listener) {}

  /**
   * Stops taking new requests, lets in-flight ones finish for up to {@code drain}, then stops.
   * Called on an event loop; must not block.
   */
  Future<Void> stop(Duration drain);
}
