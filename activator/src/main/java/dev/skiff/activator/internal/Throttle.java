package dev.skiff.activator.internal;

import dev.skiff.activator.UpstreamFailedException;
import dev.skiff.activator.spi.Endpoint;
import dev.skiff.proxy.Stage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.HashSet;
import java.util.Set;

/**
 * Waits in the revision's queue for a capacity slot, holds it for the rest of the exchange, and
 * gives it back at the end. A request whose endpoint vanished, or refused the connection, before
 * anything was sent goes back to the head of the queue; a request already sent is never sent again.
 * After {@value #MAX_REFUSALS} refused connections the request fails with 502.
 */
final class Throttle implements Stage<Exchange> {
  static final int MAX_REFUSALS = 3;

  private final Stage<Exchange> next;

  Throttle(Stage<Exchange> next) {
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    Future<Void> served = attempt(x, Set.of(), 0, false);
    ColdTrace trace = x.trace();
    return trace == null
        ? served
        : served.andThen(ar -> trace.log(x.revision().toString(), x.requestId(), ar.succeeded()));
  }

  private Future<Void> attempt(Exchange x, Set<Endpoint> refusedBy, int refusals, boolean atHead) {
    RevisionState state = x.state();
    RevisionThrottler throttler = state.throttler();
    Context context = x.context();
    Promise<EndpointSlot> granted = Promise.promise();
    ColdTrace trace = x.trace() != null ? x.trace() : ColdTrace.startIfEnabled(x.arrived());
    // A grant comes from whichever thread freed capacity; hop to the request's event loop. If the
    // request gave up meanwhile, the slot goes straight back.
    Waiter waiter =
        new Waiter(
            refusedBy,
            slot -> {
              if (trace != null) {
                trace.granted();
              }
              context.runOnContext(
                  v -> {
                    if (trace != null) {
                      trace.resumed();
                    }
                    if (!granted.tryComplete(slot)) {
                      throttler.release(slot);
                    }
                  });
            },
            why -> context.runOnContext(v -> granted.tryFail(why)));
    waiter.trace = trace;
    long queuedAt = System.nanoTime();
    // Throws when the queue is full or the revision cannot get an instance.
    EndpointSlot now = throttler.admit(waiter, atHead);
    if (now != null) {
      granted.complete(now);
    } else {
      if (trace != null && x.trace() == null) {
        trace.queued(queuedAt);
        x.trace(trace); // it waits: traced from here to its end
      }
      x.cancellation()
          .onFailure(
              cause -> {
                throttler.withdraw(waiter);
                granted.tryFail(cause);
              });
    }
    return granted
        .future()
        .andThen(ar -> state.recordQueueWait(System.nanoTime() - queuedAt))
        .compose(slot -> holding(x, slot, refusedBy, refusals));
  }

  /** Runs the rest of the exchange on {@code slot}, then gives it back. */
  private Future<Void> holding(
      Exchange x, EndpointSlot slot, Set<Endpoint> refusedBy, int refusals) {
    x.slot(slot);
    return Stage.call(next, x)
        .transform(
            ar -> {
              x.slot(null);
              x.state().throttler().release(slot);
              if (ar.succeeded()) {
                return Future.succeededFuture();
              }
              if (!(ar.cause() instanceof EndpointGoneException gone) || x.sent()) {
                return Future.failedFuture(ar.cause());
              }
              if (x.cancelled()) {
                return Future.failedFuture(x.cancellation().cause());
              }
              if (!gone.refused()) {
                return attempt(x, refusedBy, refusals, true);
              }
              if (refusals + 1 >= MAX_REFUSALS) {
                return Future.failedFuture(
                    new UpstreamFailedException(
                        "instances of revision "
                            + x.revision()
                            + " refused the connection "
                            + MAX_REFUSALS
                            + " times; the request was not sent",
                        "the revision's instances are listed as ready but do not accept"
                            + " connections; check their logs and readiness probes, then retry",
                        gone));
              }
              Set<Endpoint> avoid = new HashSet<>(refusedBy);
              avoid.add(slot.endpoint());
              return attempt(x, Set.copyOf(avoid), refusals + 1, true);
            });
  }
}
