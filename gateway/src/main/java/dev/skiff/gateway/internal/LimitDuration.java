package dev.skiff.gateway.internal;

import dev.skiff.gateway.UpstreamTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * Bounds the upstream exchange by the route's timeout (the service's {@code timeoutSeconds}, default
 * 300 s): when it passes, the exchange is cancelled, which answers 504 or, if the response already
 * started, resets it.
 */
final class LimitDuration implements Stage {
  private final Vertx vertx;
  private final Stage next;

  LimitDuration(Vertx vertx, Stage next) {
    this.vertx = vertx;
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    Duration limit = x.route().timeout();
    long timer =
        vertx.setTimer(
            limit.toMillis(),
            id ->
                x.cancel(
                    new UpstreamTimeoutException(
                        "revision "
                            + x.revision()
                            + " did not answer within "
                            + limit.toMillis()
                            + " ms",
                        "the function is too slow or stuck; raise spec.template.timeoutSeconds"
                            + " (max 3600) or make it answer sooner")));
    return Stage.call(next, x).andThen(ar -> vertx.cancelTimer(timer));
  }
}
