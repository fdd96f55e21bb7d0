package dev.skiff.node.internal;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The node's revisions that have instances (starting or ready), kept by their books as their lists
 * of instances change: what the stats loop walks, so its ticks cost the instances a node runs and
 * not the revisions it knows (most of which may be at zero). Confined to the agent's context.
 */
public final class RevisionsWithInstances {
  private final Set<RevisionInstances> revisions = new LinkedHashSet<>();
  private final Collection<RevisionInstances> view = Collections.unmodifiableSet(revisions);

  /** The revision's list of instances changed: it is in the index exactly when it is not empty. */
  void changed(RevisionInstances r) {
    if (r.instances().isEmpty()) {
      revisions.remove(r);
    } else {
      revisions.add(r);
    }
  }

  /** The revisions with at least one instance, in the order they gained their first. */
  public Collection<RevisionInstances> revisions() {
    return view;
  }
}
