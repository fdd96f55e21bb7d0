package dev.skiff.node.spi;

import dev.skiff.api.model.Revision;

/**
 * Decides how many instances each active revision gets (the autoscaler). The agent tells it which
 * revisions are active — routed by traffic or the newest of their service — and it answers through
 * {@code NodeAgent.scale}. Called on the agent's event loop; must not block.
 */
public interface Scaler {
  /** The revision became active, or its status changed; start or keep deciding its scale. */
  void track(Revision revision);

  /** The revision is no longer active: it gets no instances. */
  void untrack(String namespace, String revision);
}
