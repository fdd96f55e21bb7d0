package dev.skiff.meshproxy;

/** The instance is at its concurrency limit and the wait queue is full, or the wait timed out. */
public final class OverloadedException extends MeshException {
  private static final long serialVersionUID = 1L;

  public OverloadedException(String message) {
    super(message);
  }
}
