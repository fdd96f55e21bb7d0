package dev.skiff.controlplane.internal.rollout;

import dev.skiff.api.model.TrafficPolicy;
import dev.skiff.api.validation.Durations;
import dev.skiff.controlplane.spi.RevisionMetrics.Figures;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Judges the new revision of a rollout by its figures over the analysis window: too many 5xx or too
 * slow a p99 rolls the rollout back. Below the policy's minimum request count nothing trips, so one
 * error among three requests is not a verdict. Pure.
 */
public final class RolloutAnalysis {
  public static final String ERROR_RATE_EXCEEDED = "ErrorRateExceeded";
  public static final String LATENCY_EXCEEDED = "LatencyExceeded";

  /** Why a rollout was rolled back: a CamelCase reason and the figures, for a person. */
  public record Verdict(String reason, String message) {}

  private RolloutAnalysis() {}

  /** The verdict on {@code revision}'s figures, or empty while it passes or is unknown. */
  public static Optional<Verdict> judge(TrafficPolicy policy, String revision, Figures f) {
    if (f.requests() < policy.minRequests()) {
      return Optional.empty();
    }
    double errorRate = 100.0 * f.errors() / f.requests();
    String span = Durations.format(roundedUp(f.covered()));
    if (errorRate > policy.maxErrorRatePercent()) {
      return Optional.of(
          new Verdict(
              ERROR_RATE_EXCEEDED,
              String.format(
                  Locale.ROOT,
                  "revision %s answered %d of %d requests with 5xx in the last %s (%.1f %%),"
                      + " above the %s %% allowed (%s); traffic went back to the previous revision",
                  revision,
                  f.errors(),
                  f.requests(),
                  span,
                  errorRate,
                  plain(policy.maxErrorRatePercent()),
                  TrafficPolicy.MAX_ERROR_RATE)));
    }
    Duration max = policy.maxP99();
    if (!max.isZero() && f.p99().compareTo(max) > 0) {
      return Optional.of(
          new Verdict(
              LATENCY_EXCEEDED,
              String.format(
                  Locale.ROOT,
                  "revision %s had a p99 latency of %s over %d requests in the last %s, above the"
                      + " %s allowed (%s); traffic went back to the previous revision",
                  revision,
                  Durations.format(f.p99()),
                  f.requests(),
                  span,
                  Durations.format(max),
                  TrafficPolicy.MAX_P99)));
    }
    return Optional.empty();
  }

  private static Duration roundedUp(Duration d) {
    long s = d.toSeconds() + (d.toNanosPart() > 0 ? 1 : 0);
    return Duration.ofSeconds(Math.max(1, s));
  }

  private static String plain(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
