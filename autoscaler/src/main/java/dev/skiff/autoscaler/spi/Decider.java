package dev.skiff.autoscaler.spi;

import dev.skiff.api.model.ScalingSettings;
import dev.skiff.autoscaler.Decision;
import dev.skiff.autoscaler.DecisionState;
import dev.skiff.autoscaler.Observation;
import dev.skiff.autoscaler.WindowedStats;
import java.time.Instant;

/**
 * Decides a revision's instance count. Implementations are pure: the result depends only on the
 * arguments, they read no clock and keep no state of their own ({@link Decision#next()} carries
 * it). The {@link dev.skiff.autoscaler.Autoscaler} calls them from its tick (the Vert.x event loop
 * when a Vert.x ticker drives it) and from the thread calling {@code poke}, one call per revision
 * at a time.
 */
public interface Decider {

  /** Decides the revision's instance count at {@code now}. */
  Decision decide(
      ScalingSettings settings, Observation observation, DecisionState previous, Instant now);

  /**
   * Decides at once for a request that arrived at {@code now}, typically for a revision at zero
   * (Knative's activator poke): the request counts as traffic, so the result is at least one
   * instance.
   */
  default Decision poke(
      ScalingSettings settings, Observation observation, DecisionState previous, Instant now) {
    return decide(settings, observation, previous.withActivity(now), now);
  }

  /**
   * Whether {@link #decide} at {@code now} with these inputs and {@code last.next()} as the state
   * would answer {@code last} again, as it will at every later moment while the inputs stay the
   * same (a revision settled at zero), so the caller may keep {@code last} without deciding. Must
   * never say true when a decision could differ; the default never says it.
   */
  default boolean settled(
      ScalingSettings settings,
      WindowedStats stats,
      int readyInstances,
      Decision last,
      Instant now) {
    return false;
  }
}
