package dev.skiff.activator.internal;

import dev.skiff.proxy.Stage;
import io.vertx.core.Future;

/** Counts every request by revision and outcome, whatever happened to it. */
final class MeasureRequest implements Stage<Exchange> {
  private final ActivatorMetrics metrics;
  private final Stage<Exchange> next;

  MeasureRequest(ActivatorMetrics metrics, Stage<Exchange> next) {
    this.metrics = metrics;
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    return Stage.call(next, x)
        .andThen(
            ar -> {
              Outcome outcome =
                  x.clientGone()
                      ? Outcome.CLIENT_GONE
                      : ar.failed() ? Outcome.of(ar.cause()) : x.outcome();
              metrics.count(x.revision(), outcome);
            });
  }
}
