package dev.skiff.meshproxy.internal;

import dev.skiff.meshproxy.RequestTimeoutException;
import dev.skiff.proxy.Stage;
import io.vertx.core.Future;
import java.time.Duration;

/** Abandons a request still unfinished after the timeout, waiting for a slot included. */
final class Deadline implements Stage<SidecarExchange> {
  private final Duration timeout;
  private final Stage<SidecarExchange> next;

  Deadline(Duration timeout, Stage<SidecarExchange> next) {
    this.timeout = timeout;
    this.next = next;
  }

  @Override
  public Future<Void> serve(SidecarExchange x) {
    var vertx = x.context().owner();
    long timer =
        vertx.setTimer(
            timeout.toMillis(),
            t ->
                x.cancel(
                    new RequestTimeoutException(
                        "the request did not finish within the sidecar's timeout of "
                            + timeout.toMillis()
                            + " ms")));
    return Stage.call(next, x).andThen(ar -> vertx.cancelTimer(timer));
  }
}
