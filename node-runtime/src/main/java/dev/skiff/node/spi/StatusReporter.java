package dev.skiff.node.spi;

import dev.skiff.api.model.RevisionStatus;
import io.vertx.core.Future;

/**
 * Where the agent reports what it observed of a revision (the control plane, in-process or remote).
 */
@FunctionalInterface
public interface StatusReporter {
  /** Called from the agent's event loop; must not block. */
  Future<Void> report(String namespace, String revision, RevisionStatus status);
}
