package dev.skiff.server;

import io.vertx.core.VertxOptions;

/**
 * How many event loops a skiffd runs: {@code --event-loops}, by default one per core, as nginx runs
 * one worker per core. Vert.x's own default is two per core; on a small machine the extra loops
 * only add hand-offs between threads that wait for the same cores (a cold start's poke, grant and
 * answer each wake another loop more often).
 */
final class EventLoops {
  private EventLoops() {}

  /** The loop count {@code flag} asks for: itself when positive, the core count when 0. */
  static int count(int flag) {
    if (flag < 0) {
      throw new IllegalArgumentException(
          "--event-loops must be 0 (one per core) or positive, got " + flag);
    }
    return flag > 0 ? flag : Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  /**
   * Options for skiffd's Vert.x: {@link #count} loops, the native transport where it exists, and
   * {@link #internalBlockingThreads} threads for Vert.x's own blocking work.
   */
  static VertxOptions options(int flag) {
    return new VertxOptions()
        .setPreferNativeTransport(true)
        .setEventLoopPoolSize(count(flag))
        .setInternalBlockingPoolSize(internalBlockingThreads());
  }

  /**
   * Threads of the pool behind {@code vertx.fileSystem()} (a Wasm cold start reads its module with
   * it, the blob store its blobs): two per core, at least 4. Vert.x's default is 20, and its pool
   * is a fixed one that starts a new thread for each task until it has them all and never retires
   * one, so deploying 1,000 services left 20 threads (about 110 KiB of stack each) where a few file
   * reads at a time ever ran (bench/notes/density.md, fourteenth round).
   */
  static int internalBlockingThreads() {
    return Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
  }
}
