package dev.skiff.gateway.internal;

import dev.skiff.gateway.RevisionNotReadyException;
import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.gateway.spi.EndpointSource;
import dev.skiff.proxy.Stage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;

/**
 * Makes sure the chosen revision has ready endpoints: takes the snapshot when there is one,
 * otherwise waits for one up to the cold-start timeout (bounded by the route's timeout) and answers
 * 503 after.
 *
 * <p>Used when no activator is configured; with one, {@link HandToActivator} takes this stage's
 * place and hands such requests to the activator instead of waiting here.
 */
final class AwaitCapacity implements Stage<Exchange> {
  private final Vertx vertx;
  private final EndpointSource source;
  private final Duration coldStartTimeout;
  private final Duration retryAfter;
  private final Stage<Exchange> next;

  AwaitCapacity(
      Vertx vertx,
      EndpointSource source,
      Duration coldStartTimeout,
      Duration retryAfter,
      Stage<Exchange> next) {
    this.vertx = vertx;
    this.source = source;
    this.coldStartTimeout = coldStartTimeout;
    this.retryAfter = retryAfter;
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    String ns = x.route().namespace();
    String revision = x.revision();
    List<Endpoint> ready = source.ready(ns, revision);
    if (ready != null && !ready.isEmpty()) {
      x.endpoints(ready);
      return Stage.call(next, x);
    }
    Duration wait =
        coldStartTimeout.compareTo(x.route().timeout()) <= 0
            ? coldStartTimeout
            : x.route().timeout();
    Promise<List<Endpoint>> arrived = Promise.promise();
    // Our own deadline too, so a source that never completes cannot hold the request forever.
    long timer = vertx.setTimer(wait.toMillis(), id -> arrived.tryFail(notReady(x, wait, null)));
    x.cancellation().onFailure(arrived::tryFail);
    Future<List<Endpoint>> awaited;
    try {
      awaited = source.awaitReady(ns, revision, wait);
    } catch (RuntimeException e) {
      awaited = Future.failedFuture(e);
    }
    // The source may complete on its own thread; hop back to the request's event loop.
    awaited.onComplete(
        ar ->
            x.context()
                .runOnContext(
                    v -> {
                      if (ar.succeeded() && ar.result() != null && !ar.result().isEmpty()) {
                        arrived.tryComplete(ar.result());
                      } else {
                        arrived.tryFail(notReady(x, wait, ar.cause()));
                      }
                    }));
    return arrived
        .future()
        .andThen(ar -> vertx.cancelTimer(timer))
        .compose(
            endpoints -> {
              x.endpoints(endpoints);
              return Stage.call(next, x);
            });
  }

  private RevisionNotReadyException notReady(Exchange x, Duration waited, Throwable cause) {
    return new RevisionNotReadyException(
        "revision "
            + x.revision()
            + " of service "
            + x.route().namespace()
            + "/"
            + x.route().service()
            + " had no ready instance within "
            + waited.toMillis()
            + " ms",
        "the revision may be failing to start or be out of capacity: check its Ready condition and"
            + " its instances' logs, then retry",
        retryAfter,
        cause);
  }
}
