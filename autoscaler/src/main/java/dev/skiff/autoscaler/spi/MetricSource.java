package dev.skiff.autoscaler.spi;

import dev.skiff.api.stats.RevisionKey;
import dev.skiff.api.stats.Stat;
import dev.skiff.autoscaler.WindowedStats;
import java.time.Duration;
import java.time.Instant;

/**
 * Turns per-second {@link Stat} reports into windowed load per revision. Implementations are
 * thread-safe: {@link #record} is called from whatever thread receives reports (stat streams, the
 * activator), {@link #windowed} from the autoscaler's tick.
 */
public interface MetricSource {

  /** Adds one report, received at {@code receivedAt} by the autoscaler's clock. */
  void record(Stat stat, Instant receivedAt);

  /**
   * The revision's load averaged over the {@code stableWindow} and {@code panicWindow} ending at
   * {@code now}; {@link WindowedStats#NONE} for a revision with no reports.
   */
  WindowedStats windowed(
      RevisionKey revision, Duration stableWindow, Duration panicWindow, Instant now);

  /** Drops everything kept for the revision. */
  void forget(RevisionKey revision);
}
