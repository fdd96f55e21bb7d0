package dev.skiff.meshproxy;

/** The workload behind the sidecar could not be reached or broke off its answer. */
public final class WorkloadUnavailableException extends MeshException {
  private static final long serialVersionUID = 1L;
  private final boolean sent;

  public WorkloadUnavailableException(String message, boolean sent, Throwable cause) {
    super(message, cause);
    this.sent = sent;
  }

  /** Whether the request reached the workload (then it is not safe to retry). */
  public boolean sent() {
    return sent;
  }
}
