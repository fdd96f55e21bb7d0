package dev.skiff.gateway.internal;

import dev.skiff.gateway.UpstreamTimeoutException;
import dev.skiff.proxy.Deadlines;
import dev.skiff.proxy.Stage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * Bounds the upstream exchange by the route's timeout (the service's {@code timeoutSeconds},
 * default 300 s): when it passes, the exchange is cancelled, which answers 504 or, if the response
 * already started, resets it.
 *
 * <p>Via the activator, the activator enforces the same timeout itself (it gets it in a header) and
 * answers 503 when it passed while the request was still queued, 504 after. The gateway's limit is
 * then a backstop {@link #ACTIVATOR_GRACE} later, so the activator's answer is the one clients see.
 */
final class LimitDuration implements Stage<Exchange> {
  static final Duration ACTIVATOR_GRACE = Duration.ofSeconds(1);

  private final Deadlines deadlines;
  private final Stage<Exchange> next;

  LimitDuration(Vertx vertx, Stage<Exchange> next) {
    this.deadlines = new Deadlines(vertx);
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    Duration limit =
        x.viaActivator() ? x.route().timeout().plus(ACTIVATOR_GRACE) : x.route().timeout();
    Deadlines.Deadline deadline =
        deadlines.start(
            x.context(),
            limit,
            () ->
                x.cancel(
                    new UpstreamTimeoutException(
                        "revision "
                            + x.revision()
                            + " did not answer within "
                            + limit.toMillis()
                            + " ms",
                        "the function is too slow or stuck; raise spec.template.timeoutSeconds"
                            + " (max 3600) or make it answer sooner")));
    return Stage.call(next, x).andThen(ar -> deadline.cancel());
  }
}
