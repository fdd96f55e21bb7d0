package dev.skiff.gateway.spi;

/**
 * Decides, per request, whether a revision's requests go through the activator (Knative's
 * target-burst-capacity switch). Wire it to the autoscaler's decisions: true while the revision is
 * at zero, while its excess burst capacity is negative ({@code Decision.needsActivator()}), or
 * always when the target burst capacity is -1. A revision without a ready endpoint goes through the
 * activator whatever this says.
 *
 * <p>Threading: called on the gateway's event loops, concurrently, once per request; must answer
 * from memory and never block. A request asks once, when it starts; changing the answer affects
 * only requests that start afterwards.
 */
@FunctionalInterface
public interface ActivatorRouting {

  /** Whether a request for the revision that starts now should go through the activator. */
  boolean viaActivator(String namespace, String revision);

  /** The activator only for revisions without a ready endpoint. */
  static ActivatorRouting whenNoEndpoint() {
    return (namespace, revision) -> false;
  }

  /** Every request through the activator (target burst capacity -1). */
  static ActivatorRouting always() {
    return (namespace, revision) -> true;
  }
}
