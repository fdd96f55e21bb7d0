/** Implementation of the Wasm host on Chicory; nothing outside this module may import it. */
package dev.skiff.wasm.internal;
