package dev.skiff.gateway.internal;

import dev.skiff.gateway.spi.ActivatorRouting;
import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.gateway.spi.EndpointSource;
import dev.skiff.proxy.Stage;
import io.vertx.core.Future;
import java.util.List;

/**
 * Takes {@link AwaitCapacity}'s place when an activator is configured (Knative's
 * target-burst-capacity switch): a request whose revision has no ready endpoint, or that the
 * routing sends through the activator, goes to the activator, which queues it, pokes the autoscaler
 * and forwards it when an instance has room; any other goes straight to the revision's ready
 * endpoints. Nothing waits in the gateway.
 *
 * <p>The path is chosen here, once per request, from one snapshot of each input: flipping the
 * routing changes the path of requests that start afterwards, and requests under way finish on the
 * path they took. One exception: a request sent straight to an instance that could not be connected
 * to (refused, or no connection within the connect timeout: an instance that just stopped, or one
 * so new or so loaded that it does not accept yet), and that no other instance took either ({@link
 * RetryElsewhere}), was received by no one, so it goes to the activator, which queues it until an
 * instance takes it, rather than failing because of a scale event. A request an instance received
 * is never sent again.
 */
final class HandToActivator implements Stage<Exchange> {
  private final EndpointSource source;
  private final ActivatorRouting routing;
  private final Endpoint activator;
  private final GatewayMetrics metrics;
  private final Stage<Exchange> next;

  HandToActivator(
      EndpointSource source,
      ActivatorRouting routing,
      Endpoint activator,
      GatewayMetrics metrics,
      Stage<Exchange> next) {
    this.source = source;
    this.routing = routing;
    this.activator = activator;
    this.metrics = metrics;
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    String ns = x.route().namespace();
    String revision = x.revision();
    List<Endpoint> ready = source.ready(ns, revision);
    if (ready == null || ready.isEmpty() || routing.viaActivator(ns, revision)) {
      x.viaActivator(activator);
      return Stage.call(next, x);
    }
    x.endpoints(ready);
    return Stage.call(next, x).recover(failure -> fallBack(x, failure));
  }

  private Future<Void> fallBack(Exchange x, Throwable failure) {
    if (!(failure instanceof NothingSentException) || x.cancelled()) {
      return Future.failedFuture(failure);
    }
    metrics.fellBackToActivator();
    x.upstreamHeaders().clear(); // set again for the activator, with the revision's headers
    x.viaActivator(activator);
    return Stage.call(next, x);
  }
}
