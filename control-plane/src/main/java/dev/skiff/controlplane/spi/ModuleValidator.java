package dev.skiff.controlplane.spi;

/**
 * Decides whether bytes are a WebAssembly module Skiff can run, before the control plane stores
 * them as a blob. The default accepts anything with the Wasm magic {@code \0asm} and version 1; the
 * wasm runtime plugs in a full parser.
 */
@FunctionalInterface
public interface ModuleValidator {

  /**
   * Validates a module. Called on a Vert.x worker thread (never an event loop), possibly by several
   * threads at once, so implementations must be thread-safe and may take their time.
   *
   * @param module the module's bytes; do not modify
   * @throws RuntimeException with the parser's reason as its message when the module is invalid
   */
  void validate(byte[] module);
}
