package dev.skiff.activator.spi;

/**
 * Tells the autoscaler a request arrived for a revision with no ready endpoint (Knative's activator
 * poke), so it scales the revision up at once instead of at its next tick. Wire it to {@code
 * Autoscaler.poke(RevisionKey.of(namespace, revision))}.
 */
@FunctionalInterface
public interface Poker {

  /**
   * Called once per cold period of a revision: by the first request that finds no ready endpoint,
   * not again until the revision has had ready endpoints and lost them. Called on an activator
   * event loop, so it must not block; hand slow work to another thread.
   */
  void poke(String namespace, String revision);
}
