package dev.skiff.wasm;

import java.time.Duration;

/** The request did not finish within the function's timeout; the instance was interrupted. 504. */
public final class FunctionTimeoutException extends WasmException {
  private static final long serialVersionUID = 1L;

  public FunctionTimeoutException(Duration timeout) {
    super(
        "function did not answer within its timeout of "
            + timeout.toMillis()
            + " ms; make it faster or raise the service's timeoutSeconds");
  }
}
