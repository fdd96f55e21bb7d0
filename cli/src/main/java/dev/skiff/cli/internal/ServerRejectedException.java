package dev.skiff.cli.internal;

/** The control plane answered with an error status; the problem is its error body. */
public final class ServerRejectedException extends CliException {
  private static final long serialVersionUID = 1L;

  private final int status;

  public ServerRejectedException(int status, Problem problem) {
    super(problem);
    this.status = status;
  }

  /** The HTTP status of the answer, e.g. 404 or 422. */
  public int status() {
    return status;
  }
}
