package dev.skiff.node.spi;

import io.vertx.core.Future;
import java.time.Duration;

/** One running instance of a revision, reachable over HTTP at {@link #host()}:{@link #port()}. */
public interface Instance {
  String id();

  String host();

  int port();

  /**
   * Stops taking new requests, lets in-flight ones finish for up to {@code drain}, then stops. Called
   * on an event loop; must not block.
   */
  Future<Void> stop(Duration drain);
}
