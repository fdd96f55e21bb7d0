package dev.skiff.gateway.internal;

import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.proxy.Stage;
import dev.skiff.routing.LeastInFlight;
import io.vertx.core.Future;

/** Chooses one of the revision's ready endpoints, the least busy, and counts the request on it. */
final class PickEndpoint implements Stage<Exchange> {
  private final LeastInFlight<Endpoint> balancer;
  private final Stage<Exchange> next;

  PickEndpoint(LeastInFlight<Endpoint> balancer, Stage<Exchange> next) {
    this.balancer = balancer;
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    Endpoint e = balancer.pick(x.endpoints());
    x.endpoint(e);
    balancer.acquire(e);
    return Stage.call(next, x).andThen(ar -> balancer.release(e));
  }
}
