package dev.skiff.meshproxy;

/** The root of every failure the mesh proxy reports; subclasses are named after the outcome. */
public class MeshException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MeshException(String message) {
    super(message);
  }

  public MeshException(String message, Throwable cause) {
    super(message, cause);
  }
}
