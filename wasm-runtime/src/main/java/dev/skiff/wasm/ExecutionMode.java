package dev.skiff.wasm;

/** How the runtime executes Wasm code. */
public enum ExecutionMode {
  /**
   * Translate the module to JVM bytecode once (cached on disk by digest); functions the compiler
   * cannot take run in the interpreter.
   */
  COMPILED,
  /** Interpret every function; no compile step, slower execution. */
  INTERPRETED
}
