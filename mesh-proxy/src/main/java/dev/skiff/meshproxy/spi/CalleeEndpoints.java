package dev.skiff.meshproxy.spi;

import dev.skiff.meshproxy.Callee;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;

/**
 * The ready instances of each revision, for outbound calls. Implemented by whatever publishes
 * endpoints (skiffd: the node agent's registry). Both methods are called on Vert.x event loops,
 * concurrently, and must not block.
 */
public interface CalleeEndpoints {

  /** The revision's ready instances now; empty when none is (a callee at zero). */
  List<Callee> ready(String namespace, String revision);

  /**
   * Asks for capacity (the revision is at zero: poke its autoscaler, as the activator does) and
   * completes with the ready instances once there is one; fails when none is ready within {@code
   * timeout}. The future may complete on any thread.
   */
  Future<List<Callee>> awaitReady(String namespace, String revision, Duration timeout);
}
