package dev.skiff.activator.spi;

import dev.skiff.api.stats.Stat;

/**
 * Receives the activator's report for each revision every second (instance {@link Stat#ACTIVATOR}):
 * average and peak concurrency of the requests it holds or forwards, and how many arrived. Wire it
 * to {@code Autoscaler::record}, or to the stats stream in a cluster.
 */
@FunctionalInterface
public interface StatsSink {

  /**
   * Called from the activator's ticker thread (a Vert.x event loop by default), one revision after
   * another; must not block. Revisions without any traffic in the second are not reported.
   */
  void report(Stat stat);
}
