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
 */
public record CompiledWasm(
    WasmModule module, Function<Instance, Machine> machineFactory, CompileStats stats) {}
