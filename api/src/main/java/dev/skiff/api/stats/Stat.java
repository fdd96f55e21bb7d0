package dev.skiff.api.stats;

import java.time.Instant;

/**
 * One report, sent every second per revision by each instance's sidecar and by the activator.
 * Mirrors Knative's {@code Stat} (pkg/autoscaler/metrics/stat.proto) plus the report's time, the
 * revision and the peak concurrency; the wire form will move to a proto in {@code api/}.
 *
 * <p>A sidecar counts every request it serves, including those the activator forwarded to it, and
 * reports the forwarded share as "proxied"; the activator reports the requests it holds or
 * forwards. The autoscaler subtracts the proxied share from instance reports so no request counts
 * twice.
 *
 * @param revision which revision the numbers are for
 * @param instance the reporting instance's id, or {@link #ACTIVATOR}
 * @param time when the report was taken, by the reporter's clock
 * @param averageConcurrency requests in flight, averaged over the report's second
 * @param averageProxiedConcurrency the part of {@code averageConcurrency} that came through the
 *     activator
 * @param peakConcurrency the most requests in flight at once during the second
 * @param requestCount requests received since the previous report
 * @param proxiedRequestCount the part of {@code requestCount} that came through the activator
 * @param processUptimeSeconds how long the reporting process has run
 */
public record Stat(
    RevisionKey revision,
    String instance,
    Instant time,
    double averageConcurrency,
    double averageProxiedConcurrency,
    double peakConcurrency,
    double requestCount,
    double proxiedRequestCount,
    double processUptimeSeconds) {

  /** The {@link #instance} of reports sent by the activator. */
  public static final String ACTIVATOR = "activator";

  public Stat {
    if (revision == null || instance == null || instance.isEmpty() || time == null) {
      throw new InvalidStatException(
          "a stat needs a revision, an instance id and a time; got "
              + revision
              + ", '"
              + instance
              + "', "
              + time);
    }
    requireCount("averageConcurrency", averageConcurrency);
    requireCount("averageProxiedConcurrency", averageProxiedConcurrency);
    requireCount("peakConcurrency", peakConcurrency);
    requireCount("requestCount", requestCount);
    requireCount("proxiedRequestCount", proxiedRequestCount);
    requireCount("processUptimeSeconds", processUptimeSeconds);
  }

  /** A report with only concurrency and request count, nothing proxied. */
  public static Stat of(
      RevisionKey revision,
      String instance,
      Instant time,
      double averageConcurrency,
      double requestCount) {
    return builder(revision, instance, time)
        .withAverageConcurrency(averageConcurrency)
        .withRequestCount(requestCount)
        .build();
  }

  public static Builder builder(RevisionKey revision, String instance, Instant time) {
    return new Builder(revision, instance, time);
  }

  /** True when the reporter saw any request during the report's second. */
  public boolean hasTraffic() {
    return averageConcurrency > 0 || requestCount > 0;
  }

  /** Whether the report comes from the activator rather than an instance. */
  public boolean fromActivator() {
    return ACTIVATOR.equals(instance);
  }

  private static void requireCount(String field, double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new InvalidStatException(field + " must be a finite number >= 0, got " + value);
    }
  }

  /** Builds a {@link Stat}; numbers default to 0. */
  public static final class Builder {
    private final RevisionKey revision;
    private final String instance;
    private final Instant time;
    private double averageConcurrency;
    private double averageProxiedConcurrency;
    private double peakConcurrency;
    private double requestCount;
    private double proxiedRequestCount;
    private double processUptimeSeconds;

    private Builder(RevisionKey revision, String instance, Instant time) {
      this.revision = revision;
      this.instance = instance;
      this.time = time;
    }

    public Builder withAverageConcurrency(double value) {
      this.averageConcurrency = value;
      return this;
    }

    public Builder withAverageProxiedConcurrency(double value) {
      this.averageProxiedConcurrency = value;
      return this;
    }

    public Builder withPeakConcurrency(double value) {
      this.peakConcurrency = value;
      return this;
    }

    public Builder withRequestCount(double value) {
      this.requestCount = value;
      return this;
    }

    public Builder withProxiedRequestCount(double value) {
      this.proxiedRequestCount = value;
      return this;
    }

    public Builder withProcessUptimeSeconds(double value) {
      this.processUptimeSeconds = value;
      return this;
    }

    public Stat build() {
      return new Stat(
          revision,
          instance,
          time,
          averageConcurrency,
          averageProxiedConcurrency,
          peakConcurrency,
          requestCount,
          proxiedRequestCount,
          processUptimeSeconds);
    }
  }
}
