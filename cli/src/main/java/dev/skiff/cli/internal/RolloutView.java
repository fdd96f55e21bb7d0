package dev.skiff.cli.internal;

import dev.skiff.api.model.Rollout;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.TrafficPolicy;
import dev.skiff.api.validation.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * A service's traffic policy and its latest gradual rollout, as {@code describe} and {@code
 * traffic} print them: progress while it runs, and why it was rolled back, with the figures.
 */
public final class RolloutView {
  private RolloutView() {}

  /** {@code Traffic policy: ...} when the service sets any policy annotation; else empty. */
  public static String policy(Service s) {
    var a = s.metadata().annotations();
    boolean any =
        a.containsKey(TrafficPolicy.ROLLOUT_DURATION)
            || a.keySet().stream()
                .anyMatch(
                    k ->
                        k.equals(TrafficPolicy.TAG_HEADER_ROUTING)
                            || k.equals(TrafficPolicy.KNATIVE_TAG_HEADER_ROUTING)
                            || k.equals(TrafficPolicy.MAX_ERROR_RATE)
                            || k.equals(TrafficPolicy.MAX_P99)
                            || k.equals(TrafficPolicy.ANALYSIS_WINDOW)
                            || k.equals(TrafficPolicy.MIN_REQUESTS));
    if (!any) {
      return "";
    }
    TrafficPolicy p = TrafficPolicy.of(a);
    return String.format(
        Locale.ROOT,
        "Traffic policy: rollout %s, max error rate %s %%, max p99 %s, analysis window %s,"
            + " min requests %d, tag header %s%n",
        p.rolloutDuration().isZero() ? "off" : Durations.format(p.rolloutDuration()),
        plain(p.maxErrorRatePercent()),
        p.maxP99().isZero() ? "off" : Durations.format(p.maxP99()),
        Durations.format(p.analysisWindow()),
        p.minRequests(),
        p.tagHeaderRouting() ? "on" : "off");
  }

  /** The {@code Rollout:} section of {@code describe}; empty when the service never had one. */
  public static String render(Service s, Instant now) {
    Rollout r = s.status() == null ? null : s.status().rollout();
    String policy = policy(s);
    if (r == null && policy.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder("\n");
    if (!policy.isEmpty()) {
      b.append(policy);
    }
    if (r == null) {
      return b.toString();
    }
    b.append("Rollout:\n");
    line(b, "Phase", r.phase());
    line(b, "From", r.from());
    line(b, "To", r.to());
    if (r.isProgressing()) {
      line(b, "Progress", r.percent() + " % of the latest traffic on " + r.to());
      if (r.nextStepAt() != null) {
        line(b, "Next step", "in " + Ages.since(now, r.nextStepAt()));
      }
    }
    if (r.startedAt() != null) {
      line(b, "Started", Ages.since(r.startedAt(), now) + " ago");
    }
    if (r.durationSeconds() != null) {
      line(b, "Duration", Durations.format(Duration.ofSeconds(r.durationSeconds())));
    }
    if (r.finishedAt() != null) {
      line(b, "Finished", Ages.since(r.finishedAt(), now) + " ago");
    }
    line(b, "Reason", r.reason());
    line(b, "Message", r.message());
    return b.toString();
  }

  private static void line(StringBuilder b, String label, String value) {
    if (value != null && !value.isEmpty()) {
      b.append("  ")
          .append(String.format("%-12s%s", label + ":", TerminalText.line(value)))
          .append('\n');
    }
  }

  private static String plain(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
