package dev.skiff.controlplane.nodes;

/**
 * How many instances each revision wants right now: the autoscaler's decision, which placement
 * bounds by the revision's min-scale and max-scale. Called by placement on a Vert.x event loop; a
 * map lookup, must not block.
 */
@FunctionalInterface
public interface Demand {
  /** No decisions: placement uses min-scale alone. */
  Demand NONE = (namespace, revision) -> -1;

  /** The revision's desired instances, or -1 when nothing decides it (placement uses min-scale). */
  int desired(String namespace, String revision);

  /** Every revision decided above zero, as {@code namespace/revision}; default none. */
  default java.util.Set<String> decided() {
    return java.util.Set.of();
  }
}
