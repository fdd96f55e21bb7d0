package dev.skiff.wasm;

/**
 * The request was refused without running: the function is at its concurrency limit, or the node's
 * Wasm queue is full, or the runtime is closed. 503; the caller may retry elsewhere or later.
 */
public final class OverloadedException extends WasmException {
  private static final long serialVersionUID = 1L;

  public OverloadedException(String message) {
    super(message);
  }
}
