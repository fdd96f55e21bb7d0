package dev.skiff.meshproxy;

import dev.skiff.api.stats.RevisionKey;
import dev.skiff.api.stats.Stat;
import java.time.Instant;

/**
 * One instance's request counts, as the node agent's stats loop reads them (the same counts as its
 * {@code RequestTracker}): in flight now, a concurrency sample on the reporter's beat, and the
 * window since the last report. A request counts from the moment it is authorized, including the
 * time it waits for a concurrency slot (the autoscaler must see queued demand), until its exchange
 * ends. Thread-safe; {@link #sample} and {@link #drain} are for the reporter only.
 */
public interface InstanceStats {

  /** Requests in flight now. */
  int inFlight();

  /** Takes one concurrency sample (the node agent does so every 100 ms). */
  void sample();

  /** The window since the last call, and starts a new one. */
  Window drain();

  /**
   * One reporting window.
   *
   * @param averageConcurrency mean in-flight requests over the window's samples
   * @param averageProxiedConcurrency the part of it the activator forwarded
   * @param peakConcurrency most requests in flight at once
   * @param requests arrivals in the window
   * @param proxiedRequests the arrivals the activator forwarded
   */
  record Window(
      double averageConcurrency,
      double averageProxiedConcurrency,
      int peakConcurrency,
      long requests,
      long proxiedRequests) {

    /** The window as the autoscaler's report. */
    public Stat toStat(RevisionKey revision, String instance, Instant time, double uptimeSeconds) {
      return Stat.builder(revision, instance, time)
          .withAverageConcurrency(averageConcurrency)
          .withAverageProxiedConcurrency(averageProxiedConcurrency)
          .withPeakConcurrency(peakConcurrency)
          .withRequestCount(requests)
          .withProxiedRequestCount(proxiedRequests)
          .withProcessUptimeSeconds(uptimeSeconds)
          .build();
    }
  }
}
