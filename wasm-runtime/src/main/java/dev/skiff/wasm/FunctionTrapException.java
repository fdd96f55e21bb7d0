package dev.skiff.wasm;

/**
 * The function trapped: {@code unreachable}, an out-of-bounds access, a division by zero, a stack
 * overflow, or any other fault that aborts the instance. The request fails with 500.
 */
public final class FunctionTrapException extends WasmException {
  private static final long serialVersionUID = 1L;

  public FunctionTrapException(String message, Throwable cause) {
    super(message, cause);
  }
}
