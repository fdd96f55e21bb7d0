package dev.skiff.gateway.internal;

import dev.skiff.gateway.RevisionNotReadyException;
import dev.skiff.proxy.Stage;
import dev.skiff.routing.Route;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Chooses the revision by the route's traffic weights, or by the tag in {@code Skiff-Revision-Tag}
 * when the service routes by header, and names it in {@code X-Skiff-Revision}.
 */
final class PickRevision implements Stage<Exchange> {
  static final String REVISION_HEADER = "x-skiff-revision";

  /** Names a tag; honoured only for services that enable header routing (see TrafficSplit). */
  static final String TAG_HEADER = "skiff-revision-tag";

  private final Duration retryAfter;
  private final Stage<Exchange> next;

  PickRevision(Duration retryAfter, Stage<Exchange> next) {
    this.retryAfter = retryAfter;
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    Route route = x.route();
    String revision =
        route.split().pick(ThreadLocalRandom.current(), x.request().getHeader(TAG_HEADER));
    if (revision == null) {
      return Future.failedFuture(
          new RevisionNotReadyException(
              "service "
                  + route.namespace()
                  + "/"
                  + route.service()
                  + " has no revision to route to",
              "the control plane has not created or resolved a revision yet, or all traffic percents"
                  + " are 0; check the service's status",
              retryAfter,
              null));
    }
    x.revision(revision);
    x.response().putHeader(REVISION_HEADER, revision);
    return Stage.call(next, x);
  }
}
