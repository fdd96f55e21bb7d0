package dev.skiff.activator.internal;

import dev.skiff.proxy.Stage;
import io.vertx.core.Future;

/**
 * Counts the request as the revision's load (queued or in flight) from here until its exchange
 * ends; these counts feed the per-second stats. Sets the revision up on its first request.
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
    return Stage.call(next, x).andThen(ar -> state.load().leave());
  }
}
