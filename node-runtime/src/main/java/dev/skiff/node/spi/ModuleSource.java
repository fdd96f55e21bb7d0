package dev.skiff.node.spi;

import io.vertx.core.Future;

/** Fetches Wasm module bytes by content digest (the control plane's blob store). */
@FunctionalInterface
public interface ModuleSource {
  /** Called from an event loop; must not block. Fails if no module has that digest. */
  Future<byte[]> module(String digest);
}
