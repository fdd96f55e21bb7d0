package dev.skiff.wasm;

/**
 * The request was stopped before the function answered, because nobody waits for the answer any
 * more: its client went away, or its revision was stopped (scaled down, service deleted). 503, for
 * a caller that is still there.
 */
public final class FunctionCancelledException extends WasmException {
  private static final long serialVersionUID = 1L;

  public FunctionCancelledException(String reason) {
    super("the request was cancelled: " + reason);
  }
}
