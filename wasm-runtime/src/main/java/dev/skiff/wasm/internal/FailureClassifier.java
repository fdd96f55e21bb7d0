package dev.skiff.wasm.internal;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.wasi.WasiExitException;
import dev.skiff.wasm.FunctionExitException;
import dev.skiff.wasm.FunctionTrapException;
import dev.skiff.wasm.WasmException;

/** Names the outcome of whatever an instance threw; timeouts are decided by the caller. */
final class FailureClassifier {
  private FailureClassifier() {}

  static WasmException classify(Throwable thrown) {
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      if (t instanceof WasmException) {
        return (WasmException) t; // ours, thrown from a host function or the CGI parser
      }
      if (t instanceof WasiExitException) {
        return new FunctionExitException(((WasiExitException) t).exitCode());
      }
      if (t instanceof StackOverflowError || "call stack exhausted".equals(t.getMessage())) {
        return new FunctionTrapException(
            "function trapped: call stack exhausted (unbounded recursion?)", thrown);
      }
      if (t instanceof ChicoryInterruptedException) {
        return new FunctionTrapException(
            "function was interrupted: the runtime is closing", thrown);
      }
      if (t instanceof OutOfMemoryError) {
        return new FunctionTrapException("host ran out of heap while running the function", thrown);
      }
    }
    String message =
        thrown.getMessage() == null ? thrown.getClass().getSimpleName() : thrown.getMessage();
    return new FunctionTrapException("function trapped: " + message, thrown);
  }
}
