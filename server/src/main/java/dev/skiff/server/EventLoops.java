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

  /** Options for skiffd's Vert.x: {@link #count} loops, the native transport where it exists. */
  static VertxOptions options(int flag) {
    return new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(count(flag));
  }
}
