/**
 * Plug-in points of the control plane: the key-value store, the Wasm module validator and the
 * per-revision figures that rollouts are judged by.
 */
package dev.skiff.controlplane.spi;
