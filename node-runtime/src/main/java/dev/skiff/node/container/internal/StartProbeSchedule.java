package dev.skiff.node.container.internal;

import java.util.concurrent.TimeUnit;

/**
 * When to probe a starting container again. A fixed period wastes up to a whole period after the
 * workload starts to listen (with Knative's 50 ms, a workload ready after 20 ms was found after
 * 50); probing every millisecond for a workload that needs seconds wastes the node's time. So the
 * next probe comes after a sixteenth of the time the workload has run since its exec, at least
 * {@value #MIN_NANOS} ns and at most the probe interval: a workload is found at most a sixteenth of
 * its start-up time (and never more than one interval) after it listens, at the cost of about 60
 * probes over its first 50 ms. A refused connection to an instance's own address costs
 * microseconds. The floor is a quarter millisecond rather than one: a small workload listens well
 * under a millisecond after its exec, and with a 1 ms floor the agent's start log measured a median
 * {@code lag} of 1.6 ms on a quiet node. (With an eighth instead of a sixteenth, a median {@code
 * lag} of 10-21 ms on a loaded node, where starts took 80-110 ms.)
 */
public final class StartProbeSchedule {
  static final long MIN_NANOS = 250_000;
  static final long FRACTION = 16;

  private StartProbeSchedule() {}

  /**
   * Nanoseconds until the next start-up probe of a workload that has run {@code runningNanos} when
   * probes should come at least every {@code intervalMillis}.
   */
  public static long nextDelayNanos(long runningNanos, long intervalMillis) {
    long cap = Math.max(MIN_NANOS, TimeUnit.MILLISECONDS.toNanos(intervalMillis));
    return Math.min(cap, Math.max(MIN_NANOS, runningNanos / FRACTION));
  }
}
