/**
 * Runs WebAssembly (WASI preview1) functions as HTTP handlers through the WAGI flavour of CGI 1.1.
 */
package dev.skiff.wasm;
