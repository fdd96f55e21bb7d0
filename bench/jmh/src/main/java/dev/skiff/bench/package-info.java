/**
 * JMH benchmarks of the hot paths (the Wasm runtime, the gateway), run by {@code bench/run};
 * results go to docs/benchmarks.md.
 */
package dev.skiff.bench;
