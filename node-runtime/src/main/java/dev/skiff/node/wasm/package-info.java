/** The Wasm runtime backend: a compiled revision behind its own loopback HTTP listener. */
package dev.skiff.node.wasm;
