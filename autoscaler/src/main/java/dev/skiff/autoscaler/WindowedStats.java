package dev.skiff.autoscaler;

import java.time.Instant;

/**
 * A revision's load averaged over the stable and panic windows, summed across its instances and the
 * activator. Seconds without reports count as zero.
 *
 * @param stableConcurrency average requests in flight over the stable window
 * @param panicConcurrency average requests in flight over the panic window
 * @param stableRps average requests per second over the stable window
 * @param panicRps average requests per second over the panic window
 * @param lastTraffic when a report last showed a request in flight or received; null when none in
 *     the data still held
 */
public record WindowedStats(
    double stableConcurrency,
    double panicConcurrency,
    double stableRps,
    double panicRps,
    Instant lastTraffic) {

  /** No load and no traffic seen. */
  public static final WindowedStats NONE = new WindowedStats(0, 0, 0, 0, null);

  /** Concurrency averages only, with request rates of zero. */
  public static WindowedStats ofConcurrency(double stable, double panic, Instant lastTraffic) {
    return new WindowedStats(stable, panic, 0, 0, lastTraffic);
  }
}
