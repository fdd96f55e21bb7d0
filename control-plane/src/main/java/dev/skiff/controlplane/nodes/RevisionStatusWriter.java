package dev.skiff.controlplane.nodes;

import dev.skiff.api.model.RevisionStatus;
import io.vertx.core.Future;

/**
 * Where the node port writes a revision's status summed over the nodes' reports (the control
 * plane's revision status, which re-resolves the service's). Called on a Vert.x event loop; must
 * not block.
 */
@FunctionalInterface
public interface RevisionStatusWriter {
  /** Writes nothing: a control plane whose own node reports status (roles {@code all}). */
  RevisionStatusWriter NONE = (namespace, revision, status) -> Future.succeededFuture();

  Future<?> write(String namespace, String revision, RevisionStatus status);
}
