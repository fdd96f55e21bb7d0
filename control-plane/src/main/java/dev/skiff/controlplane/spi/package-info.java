/** Plug-in points of the control plane: the key-value store and the Wasm module validator. */
package dev.skiff.controlplane.spi;
