package dev.skiff.controlplane.spi;

import java.time.Duration;

/**
 * What a revision's answers looked like lately, as the data path measured them (in skiffd: the
 * gateway's request counters and latency histogram). The rollout controller reads it once a second
 * per rollout, on a Vert.x event loop: implementations answer from memory and never block.
 */
public interface RevisionMetrics {
  /** No figures ever: rollouts step on time alone and never roll back. */
  RevisionMetrics NONE = (namespace, revision, window) -> Figures.NONE;

  /**
   * The revision's answers over the last {@code window} (or as much of it as is known).
   *
   * @param namespace the revision's namespace
   * @param revision its name
   * @param window how far back to look
   */
  Figures over(String namespace, String revision, Duration window);

  /**
   * @param requests answers counted
   * @param errors of which 5xx
   * @param p99 the 99th percentile of their latency (zero with no requests)
   * @param covered how much time the figures span (less than asked when little is known)
   */
  record Figures(long requests, long errors, Duration p99, Duration covered) {
    public static final Figures NONE = new Figures(0, 0, Duration.ZERO, Duration.ZERO);
  }
}
