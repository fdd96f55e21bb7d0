package dev.skiff.cli;

import dev.skiff.api.model.TrafficPolicy;
import dev.skiff.api.validation.Problems;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The flags of {@code skiff traffic} that set the service's traffic policy, one annotation on its
 * metadata each (no new revision). Checked with api's {@link TrafficPolicy#validate} rules, as the
 * control plane checks them, so a bad value is reported by its flag before anything is sent.
 */
final class TrafficPolicyOptions {
  @Option(
      names = "--rollout",
      paramLabel = "D",
      description =
          "Roll each new latest revision out gradually over D (1 %, then equal steps up to 100 %"
              + " at the end; Knative's rollout-duration), e.g. 30s; 0 turns it off.")
  String rollout;

  @Option(
      names = "--max-error-rate",
      paramLabel = "PCT",
      description =
          "Roll a rollout back when the new revision answers more than PCT % of its requests"
              + " with 5xx over the analysis window (default 5).")
  String maxErrorRate;

  @Option(
      names = "--max-p99",
      paramLabel = "D",
      description =
          "Roll a rollout back when the new revision's p99 latency over the window exceeds D,"
              + " e.g. 500ms; 0 (the default) does not check latency.")
  String maxP99;

  @Option(
      names = "--analysis-window",
      paramLabel = "D",
      description = "How far back a rollout's figures reach, 1s to 10m (default 10s).")
  String analysisWindow;

  @Option(
      names = "--min-requests",
      paramLabel = "N",
      description = "Fewest requests in the window before a threshold may trip (default 20).")
  String minRequests;

  @Option(
      names = "--tag-header",
      paramLabel = "enabled|disabled",
      description =
          "Whether a request's "
              + TrafficPolicy.TAG_HEADER
              + ": TAG header picks the tagged"
              + " revision (default disabled).")
  String tagHeader;

  /** The annotations the given flags set; empty when none was given. */
  Map<String, String> annotations() {
    Map<String, String> a = new LinkedHashMap<>();
    put(a, TrafficPolicy.ROLLOUT_DURATION, rollout);
    put(a, TrafficPolicy.MAX_ERROR_RATE, maxErrorRate);
    put(a, TrafficPolicy.MAX_P99, maxP99);
    put(a, TrafficPolicy.ANALYSIS_WINDOW, analysisWindow);
    put(a, TrafficPolicy.MIN_REQUESTS, minRequests);
    put(a, TrafficPolicy.TAG_HEADER_ROUTING, tagHeader);
    return a;
  }

  /** Each bad value, named by its flag; empty when all are good. */
  List<String> problems() {
    Problems p = new Problems();
    TrafficPolicy.validate(p, "", annotations());
    Map<String, String> flags =
        Map.of(
            TrafficPolicy.ROLLOUT_DURATION, "--rollout",
            TrafficPolicy.MAX_ERROR_RATE, "--max-error-rate",
            TrafficPolicy.MAX_P99, "--max-p99",
            TrafficPolicy.ANALYSIS_WINDOW, "--analysis-window",
            TrafficPolicy.MIN_REQUESTS, "--min-requests",
            TrafficPolicy.TAG_HEADER_ROUTING, "--tag-header");
    return p.errors().stream()
        .map(
            e -> {
              String key = e.field().substring(1, e.field().length() - 1);
              return flags.getOrDefault(key, key) + " " + e.message() + "; " + e.hint();
            })
        .toList();
  }

  private static void put(Map<String, String> a, String key, String value) {
    if (value != null) {
      a.put(key, value.strip());
    }
  }
}
