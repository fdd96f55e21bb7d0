package dev.skiff.autoscaler;

/**
 * What the decider sees of a revision at one tick.
 *
 * @param stats the windowed load
 * @param readyInstances instances serving now
 * @param activatorInPath whether requests for the revision go through the activator, which must
 *     hold before the last instance may go: without it requests at zero would have nowhere to wait
 */
public record Observation(WindowedStats stats, int readyInstances, boolean activatorInPath) {
  public Observation {
    if (stats == null) {
      throw new IllegalArgumentException("stats must not be null; use WindowedStats.NONE");
    }
    if (readyInstances < 0) {
      throw new IllegalArgumentException("readyInstances must be >= 0, got " + readyInstances);
    }
  }
}
