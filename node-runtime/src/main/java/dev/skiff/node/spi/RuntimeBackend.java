package dev.skiff.node.spi;

import io.vertx.core.Future;

/**
 * Runs instances of one workload kind. The agent calls every method from its event loop; a backend
 * moves blocking work (compiling, pulling, forking runc) off it and completes the futures when
 * done.
 */
public interface RuntimeBackend {
  /** The workload kind served: {@code wasm} or {@code container}. */
  String kind();

  /**
   * Starts an instance; the future completes once the instance is ready to serve (its readiness
   * probe passed) or fails with the reason it cannot start.
   */
  Future<Instance> start(InstanceSpec spec);

  /** Releases everything the backend holds. */
  Future<Void> close();
}
