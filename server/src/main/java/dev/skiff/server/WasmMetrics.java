package dev.skiff.server;

import dev.skiff.wasm.WasmRuntime;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** Exposes the Wasm runtime's own counters (compiles, cache hits, pool use) as meters. */
final class WasmMetrics {
  private WasmMetrics() {}

  static void bind(WasmRuntime wasm, MeterRegistry registry) {
    FunctionCounter.builder("skiff.wasm.compiles", wasm, w -> w.stats().compiles())
        .description("Modules compiled to JVM bytecode (cache misses)")
        .register(registry);
    FunctionCounter.builder("skiff.wasm.cache.hits", wasm, w -> w.stats().cacheHits())
        .description("Modules whose compiled code came from the on-disk cache")
        .register(registry);
    Gauge.builder("skiff.wasm.pool.busy", wasm, w -> w.stats().busyThreads())
        .description("Wasm CPU permits held by computing guests")
        .register(registry);
    Gauge.builder("skiff.wasm.pool.queued", wasm, w -> w.stats().queued())
        .description("Wasm guests waiting for a CPU permit")
        .register(registry);
    Gauge.builder("skiff.wasm.executions.in.flight", wasm, w -> w.stats().executions())
        .description("Wasm requests admitted and not finished (waiting, computing or sleeping)")
        .register(registry);
  }
}
