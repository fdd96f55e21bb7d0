package dev.skiff.activator.internal;

import dev.skiff.activator.QueueTimeoutException;
import dev.skiff.activator.UpstreamTimeoutException;
import dev.skiff.proxy.Stage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * Bounds the whole exchange by the request's own timeout. When it passes before the request was
 * sent to an instance, the answer is 503 with Retry-After (it waited for capacity that did not
 * come); after, 504, or a reset when the response had started.
 */
final class LimitDuration implements Stage<Exchange> {
  private final Vertx vertx;
  private final Duration retryAfter;
  private final Stage<Exchange> next;

  LimitDuration(Vertx vertx, Duration retryAfter, Stage<Exchange> next) {
    this.vertx = vertx;
    this.retryAfter = retryAfter;
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    long limit = x.timeout().toMillis();
    long timer =
        vertx.setTimer(limit, id -> x.cancel(x.sent() ? late(x, limit) : unserved(x, limit)));
    return Stage.call(next, x).andThen(ar -> vertx.cancelTimer(timer));
  }

  private QueueTimeoutException unserved(Exchange x, long limit) {
    return new QueueTimeoutException(
        "revision "
            + x.revision()
            + " had no capacity for the request within its timeout of "
            + limit
            + " ms",
        "the revision is starting or overloaded; retry after the Retry-After delay, and check its"
            + " Ready condition and instance logs if it persists",
        retryAfter);
  }

  private static UpstreamTimeoutException late(Exchange x, long limit) {
    return new UpstreamTimeoutException(
        "revision " + x.revision() + " did not answer within " + limit + " ms",
        "the function is too slow or stuck; raise spec.template.timeoutSeconds (max 3600) or make"
            + " it answer sooner");
  }
}
