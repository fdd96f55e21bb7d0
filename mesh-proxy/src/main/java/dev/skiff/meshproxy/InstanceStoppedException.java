package dev.skiff.meshproxy;

/**
 * The sidecar stopped, its drain grace over, before the workload answered: the request gets 503
 * with {@code Retry-After}, so its caller may send it again to another instance.
 */
public final class InstanceStoppedException extends MeshException {
  private static final long serialVersionUID = 1L;

  public InstanceStoppedException(String message) {
    super(message);
  }
}
