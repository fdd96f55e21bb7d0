package dev.skiff.node.container.internal;

/**
 * When to probe a starting container again. A fixed period wastes up to a whole period after the
 * workload starts to listen (with Knative's 50 ms, a workload ready after 20 ms was found after
 * 50); probing every millisecond for a workload that needs seconds wastes the node's time. So the
 * next probe comes after a sixteenth of the time the container has run so far, at least {@value
 * #MIN_MILLIS} ms and at most the probe interval: a workload is found at most a sixteenth of its
 * start-up time (and never more than one interval) after it listens, at the cost of about 40 probes
 * over its first 50 ms. A refused connection to an instance's own address costs microseconds. (With
 * an eighth, the agent's start log measured a median {@code lag} of 10-21 ms on a loaded node,
 * where starts took 80-110 ms, and about 4 ms on a quiet one.)
 */
public final class StartProbeSchedule {
  static final long MIN_MILLIS = 1;
  static final long FRACTION = 16;

  private StartProbeSchedule() {}

  /**
   * Milliseconds until the next start-up probe of a container that has run {@code runningMillis}
   * when probes should come at least every {@code intervalMillis}.
   */
  public static long nextDelayMillis(long runningMillis, long intervalMillis) {
    long cap = Math.max(MIN_MILLIS, intervalMillis);
    return Math.min(cap, Math.max(MIN_MILLIS, runningMillis / FRACTION));
  }
}
