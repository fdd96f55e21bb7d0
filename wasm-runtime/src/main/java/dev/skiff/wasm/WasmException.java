package dev.skiff.wasm;

/**
 * Root of every failure the Wasm host reports. Unchecked; each subclass names one outcome, and
 * {@link WagiResponse#statusOf(Throwable)} is the one place that maps outcomes to HTTP status
 * codes.
 */
public class WasmException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public WasmException(String message) {
    super(message);
  }

  public WasmException(String message, Throwable cause) {
    super(message, cause);
  }
}
