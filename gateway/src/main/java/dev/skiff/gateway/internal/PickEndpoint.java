package dev.skiff.gateway.internal;

import dev.skiff.gateway.UpstreamFailedException;
import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.proxy.Stage;
import dev.skiff.routing.PeakEwma;
import io.vertx.core.Future;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Chooses one of the revision's ready endpoints by peak-EWMA power of two choices (the mesh's
 * outbound side chooses the same way), leaving out instances ejected for failed connections while
 * others remain, and counts the request, its duration and whether its connection failed on it.
 */
final class PickEndpoint implements Stage<Exchange> {
  private final PeakEwma<Endpoint> balancer;
  private final Stage<Exchange> next;

  PickEndpoint(PeakEwma<Endpoint> balancer, Stage<Exchange> next) {
    this.balancer = balancer;
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    Endpoint e = balancer.pick(x.endpoints(), ThreadLocalRandom.current());
    x.endpoint(e);
    long started = System.nanoTime();
    balancer.started(e);
    return Stage.call(next, x)
        .andThen(ar -> balancer.finished(e, System.nanoTime() - started, unreachable(ar)));
  }

  /**
   * Only a broken connection counts against the instance for ejection; a timeout or a client that
   * left says nothing about it.
   */
  private static boolean unreachable(io.vertx.core.AsyncResult<Void> ar) {
    return ar.failed() && ar.cause() instanceof UpstreamFailedException;
  }
}
