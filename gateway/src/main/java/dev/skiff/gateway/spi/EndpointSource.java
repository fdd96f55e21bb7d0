package dev.skiff.gateway.spi;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;

/**
 * The ready instances of each revision, as the gateway sees them. Implemented by the node runtime
 * (in-process) and, in a cluster, by whatever mirrors the published endpoints.
 *
 * <p>Threading: both methods are called on the gateway's Vert.x event-loop threads, concurrently
 * from several event loops, once per proxied request. They must be thread-safe and must never
 * block.
 */
public interface EndpointSource {

  /**
   * A snapshot of the revision's ready endpoints; empty when none is ready. Called for every
   * request, so it should be a map lookup, not I/O.
   */
  List<Endpoint> ready(String namespace, String revision);

  /**
   * Completes with the revision's ready endpoints (never empty) as soon as at least one is ready,
   * at once if one already is; fails when none became ready within {@code timeout}. The gateway
   * calls it only after {@link #ready} returned nothing, so an implementation may take the call as
   * demand (for example, to start an instance of a revision at zero until the activator takes that
   * role).
   *
   * <p>The returned future may complete on any thread; the gateway moves back to its own event
   * loop.
   */
  Future<List<Endpoint>> awaitReady(String namespace, String revision, Duration timeout);
}
