package dev.skiff.node.spi;

import dev.skiff.api.model.Revision;

/**
 * Decides how many instances each active revision gets (the autoscaler). The agent tells it which
 * revisions are active — routed by traffic or the newest of their service, or retiring: out of the
 * route but still running instances — and it answers through {@code NodeAgent.scale}; a retiring
 * revision it has taken to zero it hands back with {@code NodeAgent.retire}. Called on the agent's
 * event loop; must not block.
 */
public interface Scaler {
  /** The revision became active, or its status changed; start or keep deciding its scale. */
  void track(Revision revision);

  /**
   * The revision left the route but still runs instances (requests may be on their way to it): keep
   * deciding its scale from its load, as for any revision, but towards zero (no min-scale, as
   * Knative does for a revision no route reaches). Once it is at zero, {@code NodeAgent.retire}
   * ends its activity.
   */
  void retire(Revision revision);

  /** The revision is no longer active: it gets no instances. */
  void untrack(String namespace, String revision);
}
