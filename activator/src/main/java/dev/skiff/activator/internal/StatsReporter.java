package dev.skiff.activator.internal;

import dev.skiff.activator.spi.StatsSink;
import dev.skiff.api.stats.Stat;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Samples every revision's load every {@link #SAMPLE_INTERVAL} and, every {@link
 * #SAMPLES_PER_REPORT} samples (one second), sends each revision that saw traffic a {@link Stat} as
 * instance {@link Stat#ACTIVATOR}; revisions idle for the expiry period are forgotten. Runs on the
 * ticker, one tick at a time.
 */
final class StatsReporter {
  static final Duration SAMPLE_INTERVAL = Duration.ofMillis(100);
  static final int SAMPLES_PER_REPORT = 10;
  private static final System.Logger LOG = System.getLogger(StatsReporter.class.getName());

  private final Revisions revisions;
  private final StatsSink sink;
  private final Clock clock;
  private final Instant startedAt;
  private final long idleWindowsBeforeForgetting;
  private int samples;

  StatsReporter(Revisions revisions, StatsSink sink, Clock clock, Duration idleExpiry) {
    this.revisions = revisions;
    this.sink = sink;
    this.clock = clock;
    this.startedAt = clock.instant();
    this.idleWindowsBeforeForgetting = Math.max(1, idleExpiry.toSeconds());
  }

  void tick() {
    for (RevisionState s : revisions.all()) {
      s.load().sample();
    }
    if (++samples == SAMPLES_PER_REPORT) {
      samples = 0;
      report();
    }
  }

  private void report() {
    Instant now = clock.instant();
    double uptime = Math.max(0, Duration.between(startedAt, now).toMillis() / 1000.0);
    for (RevisionState s : revisions.all()) {
      RevisionLoad.Window w = s.load().closeWindow(SAMPLES_PER_REPORT);
      if (w.hasTraffic()) {
        send(
            Stat.builder(s.key(), Stat.ACTIVATOR, now)
                .withAverageConcurrency(w.averageConcurrency())
                .withPeakConcurrency(w.peakConcurrency())
                .withRequestCount(w.requests())
                .withProcessUptimeSeconds(uptime)
                .build());
      } else if (s.load().idleWindows() >= idleWindowsBeforeForgetting) {
        revisions.forget(s);
      }
    }
  }

  private void send(Stat stat) {
    try {
      sink.report(stat);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "the stats sink refused the report for " + stat.revision(), e);
    }
  }
}
