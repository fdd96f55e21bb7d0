package dev.skiff.activator.internal;

import io.vertx.core.Future;

/** Counts every request by revision and outcome, whatever happened to it. */
final class MeasureRequest implements Stage {
  private final ActivatorMetrics metrics;
  private final Stage next;

  MeasureRequest(ActivatorMetrics metrics, Stage next) {
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
