package dev.skiff.meshproxy.internal;

import dev.skiff.meshproxy.RequestTimeoutException;
import dev.skiff.proxy.Deadlines;
import dev.skiff.proxy.Stage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;

/** Abandons a request still unfinished after the timeout, waiting for a slot included. */
final class Deadline implements Stage<SidecarExchange> {
  private final Duration timeout;
  private final Deadlines deadlines;
  private final Stage<SidecarExchange> next;

  Deadline(Vertx vertx, Duration timeout, Stage<SidecarExchange> next) {
    this.timeout = timeout;
    this.deadlines = new Deadlines(vertx);
    this.next = next;
  }

  @Override
  public Future<Void> serve(SidecarExchange x) {
    Deadlines.Deadline deadline =
        deadlines.start(x.context(), timeout, () -> x.cancel(expired(timeout)));
    return Stage.call(next, x).andThen(ar -> deadline.cancel());
  }

  /** The failure a request gets when it is still unfinished after {@code timeout}: a 504. */
  static RequestTimeoutException expired(Duration timeout) {
    return new RequestTimeoutException(
        "the request did not finish within the sidecar's timeout of " + timeout.toMillis() + " ms");
  }
}
