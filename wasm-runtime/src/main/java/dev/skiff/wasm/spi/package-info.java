/** Plug-in points of the Wasm host: where a function's outbound HTTP calls go. */
package dev.skiff.wasm.spi;
