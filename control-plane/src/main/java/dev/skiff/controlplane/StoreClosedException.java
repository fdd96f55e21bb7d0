package dev.skiff.controlplane;

/** The store was closed (or failed and stopped taking writes); nothing was written. */
public class StoreClosedException extends StoreException {
  private static final long serialVersionUID = 1L;

  public StoreClosedException(String message) {
    super(message, null);
  }
}
