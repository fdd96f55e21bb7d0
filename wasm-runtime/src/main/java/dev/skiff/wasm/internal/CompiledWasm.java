package dev.skiff.wasm.internal;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import dev.skiff.wasm.CompileStats;
import java.util.function.Function;

/**
 * A parsed, validated and compiled module, ready to instantiate any number of times.
 *
 * @param module Chicory's parsed module (immutable once parsed; instances copy what they mutate)
 * @param machineFactory the compiled or interpreting machine for each instance
 * @param stats what loading cost
 * @param imported the host functions the module imports, worked out once per module: every function
 *     instance of it (a cold start makes one) links with these instead of working them out again;
 *     they hold nothing of an instance or a request
 */
public record CompiledWasm(
    WasmModule module,
    Function<Instance, Machine> machineFactory,
    CompileStats stats,
    ImportedFunctions imported) {

  /** A module whose imports are worked out now. */
  public CompiledWasm(
      WasmModule module, Function<Instance, Machine> machineFactory, CompileStats stats) {
    this(module, machineFactory, stats, ImportedFunctions.of(module));
  }
}
