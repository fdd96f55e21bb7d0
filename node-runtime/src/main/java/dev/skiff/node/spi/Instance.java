package dev.skiff.node.spi;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;

/** One running instance of a revision, reachable over HTTP at {@link #host()}:{@link #port()}. */
public interface Instance {
  String id();

  String host();

  int port();

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
