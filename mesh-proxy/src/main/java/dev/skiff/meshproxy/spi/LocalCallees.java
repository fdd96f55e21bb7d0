package dev.skiff.meshproxy.spi;

import dev.skiff.meshproxy.Callee;
import dev.skiff.meshproxy.Sidecar;

/**
 * The callees whose sidecar runs in this process and serves its workload here too (skiffd's Wasm
 * instances): an outbound call to one of them is handed to the sidecar in process ({@link
 * Sidecar#serveInProcess}), with no socket and so no TLS, yet through the same policy check of the
 * caller's identity, limit, timeout and stats. Called on Vert.x event loops, concurrently; must not
 * block.
 */
@FunctionalInterface
public interface LocalCallees {
  /** Nothing is served in process: every call goes over mTLS. */
  LocalCallees NONE = callee -> null;

  /**
   * The sidecar at {@code callee}'s address when this process runs it, it presents {@code callee}'s
   * identity and it takes in-process requests; null otherwise.
   */
  Sidecar find(Callee callee);
}
