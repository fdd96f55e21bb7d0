package dev.skiff.wasm;

/** The function called {@code proc_exit} with a non-zero code (exit 0 is success). 500. */
public final class FunctionExitException extends WasmException {
  private static final long serialVersionUID = 1L;
  private final int exitCode;

  public FunctionExitException(int exitCode) {
    super("function exited with code " + exitCode + "; its stderr log says why");
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
