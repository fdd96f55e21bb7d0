package dev.skiff.meshproxy.internal;

import dev.skiff.proxy.Stage;
import io.vertx.core.Future;
import java.time.Duration;

/** Records each request's status and latency once its exchange is over. */
final class Measure implements Stage<SidecarExchange> {
  /** The status recorded for a request whose client left before the answer (nginx's). */
  static final int CLIENT_CLOSED = 499;

  private final SidecarMetrics metrics;
  private final Stage<SidecarExchange> next;

  Measure(SidecarMetrics metrics, Stage<SidecarExchange> next) {
    this.metrics = metrics;
    this.next = next;
  }

  @Override
  public Future<Void> serve(SidecarExchange x) {
    return Stage.call(next, x)
        .andThen(
            ar ->
                metrics.answered(
                    x.clientGone() ? CLIENT_CLOSED : x.response().getStatusCode(),
                    Duration.ofNanos(System.nanoTime() - x.startNanos())));
  }
}
