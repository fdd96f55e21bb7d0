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

  /**
   * The revision has no instance on this node and none is wanted (it scaled to zero): the backend
   * may prepare one ahead, off any start's path, so the next start is shorter. By default nothing.
   */
  default void atZero(dev.skiff.api.model.Revision revision) {}

  /**
   * The revision was deleted: the backend drops whatever it prepared for it. By default nothing.
   */
  default void forget(String namespace, String revision) {}

  /** Releases everything the backend holds. */
  Future<Void> close();
}
