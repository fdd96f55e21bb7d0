package dev.skiff.activator.internal;

import dev.skiff.proxy.Stage;
import io.vertx.core.Future;

/**
 * Counts the request as the revision's load (queued or in flight) from here until its exchange
 * ends; these counts feed the per-second stats. Sets the revision up on its first request, and has
 * its meters registered once that request was handed on.
 */
final class TrackLoad implements Stage<Exchange> {
  private final Revisions revisions;
  private final Stage<Exchange> next;

  TrackLoad(Revisions revisions, Stage<Exchange> next) {
    this.revisions = revisions;
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    RevisionState state = revisions.enter(x.revision());
    x.state(state);
    Future<Void> served = Stage.call(next, x);
    // The request is queued or on its way to an instance now: its revision's meters (on the first
    // request) are registered after that, on the meters thread.
    revisions.registerMeters(state);
    return served.andThen(ar -> state.load().leave());
  }
}
