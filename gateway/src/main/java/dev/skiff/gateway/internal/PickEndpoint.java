package dev.skiff.gateway.internal;

import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.proxy.Stage;
import dev.skiff.routing.PeakEwma;
import io.vertx.core.Future;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Chooses one of the revision's ready endpoints by peak-EWMA power of two choices (the mesh's
 * outbound side chooses the same way) and counts the request and its duration on it.
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
        .andThen(ar -> balancer.finished(e, System.nanoTime() - started, ar.failed()));
  }
}
