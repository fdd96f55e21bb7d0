/**
 * JMH benchmarks of the Wasm runtime, run by {@code bench/run}; results go to docs/benchmarks.md.
 */
package dev.skiff.bench;
