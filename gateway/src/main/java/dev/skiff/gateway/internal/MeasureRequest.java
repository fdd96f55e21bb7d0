package dev.skiff.gateway.internal;

import dev.skiff.proxy.Stage;
import dev.skiff.routing.Route;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;

/** Counts every request and times it to the end of its response, whatever the outcome. */
final class MeasureRequest implements Stage<Exchange> {
  /** Recorded when the client left before its response was complete (nginx's convention). */
  static final int CLIENT_CLOSED_REQUEST = 499;

  private final GatewayMetrics metrics;
  private final Clock clock;
  private final Stage<Exchange> next;

  MeasureRequest(GatewayMetrics metrics, Clock clock, Stage<Exchange> next) {
    this.metrics = metrics;
    this.clock = clock;
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    metrics.started();
    return Stage.call(next, x)
        .andThen(
            ar -> {
              Route route = x.route();
              int status = x.clientGone() ? CLIENT_CLOSED_REQUEST : x.response().getStatusCode();
              metrics.finished(
                  route == null ? null : route.namespace(),
                  route == null ? null : route.service(),
                  x.revision(),
                  status,
                  Duration.between(x.startedAt(), clock.instant()));
            });
  }
}
