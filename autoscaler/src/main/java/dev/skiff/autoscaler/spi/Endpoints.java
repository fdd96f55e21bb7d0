package dev.skiff.autoscaler.spi;

import dev.skiff.api.stats.RevisionKey;

/**
 * What the autoscaler needs to know of a revision's serving state. Called from the autoscaler's
 * tick and from {@code poke}; must answer from memory without blocking.
 */
public interface Endpoints {

  /** Instances of the revision that are ready to serve now. */
  int readyInstances(RevisionKey revision);

  /** Whether requests for the revision currently go through the activator. */
  boolean activatorInPath(RevisionKey revision);
}
