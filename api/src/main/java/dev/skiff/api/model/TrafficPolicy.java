package dev.skiff.api.model;

import dev.skiff.api.validation.Durations;
import dev.skiff.api.validation.Problems;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * A service's traffic policy, read from its metadata annotations (outside the template, so changing
 * it makes no revision): header-based routing to a tag, gradual rollout of the latest revision
 * (Knative's {@code serving.knative.dev/rollout-duration}) and the thresholds that roll a rollout
 * back automatically. Every annotation is optional; see docs/traffic.md for the defaults.
 *
 * @param tagHeaderRouting whether {@code Skiff-Revision-Tag: TAG} picks the tagged revision
 * @param rolloutDuration how long the latest revision takes to go from 1 % to all of its share;
 *     zero: at once (no rollout)
 * @param maxErrorRatePercent a rollout rolls back when the new revision's 5xx share over the window
 *     is above this; 100 never rolls back for errors
 * @param maxP99 a rollout rolls back when the new revision's p99 latency over the window is above
 *     this; zero: latency is not checked
 * @param analysisWindow how far back the new revision's figures reach
 * @param minRequests the fewest requests in the window before a threshold may trip
 */
public record TrafficPolicy(
    boolean tagHeaderRouting,
    Duration rolloutDuration,
    double maxErrorRatePercent,
    Duration maxP99,
    Duration analysisWindow,
    int minRequests) {

  /** Knative's annotation, on the service's metadata. */
  public static final String ROLLOUT_DURATION = "serving.knative.dev/rollout-duration";

  /** {@code enabled} or {@code disabled} (default). */
  public static final String TAG_HEADER_ROUTING = "skiff.dev/tag-header-routing";

  /** Knative's feature flag, accepted per service with Knative's values Enabled/Disabled. */
  public static final String KNATIVE_TAG_HEADER_ROUTING =
      "features.knative.dev/tag-header-based-routing";

  /** A percent, 0 to 100, e.g. {@code 5} or {@code 2.5%}. */
  public static final String MAX_ERROR_RATE = "skiff.dev/max-error-rate";

  /** A duration, e.g. {@code 500ms}; {@code 0} turns the latency check off. */
  public static final String MAX_P99 = "skiff.dev/max-p99";

  /** A duration from 1s to 10m. */
  public static final String ANALYSIS_WINDOW = "skiff.dev/analysis-window";

  /** A count from 1 to 1000000. */
  public static final String MIN_REQUESTS = "skiff.dev/analysis-min-requests";

  /** The request header that names a tag when {@link #tagHeaderRouting} is on. */
  public static final String TAG_HEADER = "Skiff-Revision-Tag";

  public static final double DEFAULT_MAX_ERROR_RATE = 5;
  public static final Duration DEFAULT_ANALYSIS_WINDOW = Duration.ofSeconds(10);
  public static final int DEFAULT_MIN_REQUESTS = 20;
  static final Duration MAX_ROLLOUT = Duration.ofHours(24);
  static final Duration MIN_WINDOW = Duration.ofSeconds(1);
  static final Duration MAX_WINDOW = Duration.ofMinutes(10);
  static final int MAX_MIN_REQUESTS = 1_000_000;

  public static final TrafficPolicy DEFAULTS =
      new TrafficPolicy(
          false,
          Duration.ZERO,
          DEFAULT_MAX_ERROR_RATE,
          Duration.ZERO,
          DEFAULT_ANALYSIS_WINDOW,
          DEFAULT_MIN_REQUESTS);

  /** The policy in {@code annotations}; a value that does not parse keeps its default. */
  public static TrafficPolicy of(Map<String, String> annotations) {
    Problems ignored = new Problems();
    return read(ignored, "", annotations == null ? Map.of() : annotations);
  }

  /** Reports every malformed policy annotation under {@code path[annotation]}. */
  public static void validate(Problems p, String path, Map<String, String> annotations) {
    if (annotations != null) {
      read(p, path, annotations);
    }
  }

  private static TrafficPolicy read(Problems p, String path, Map<String, String> a) {
    boolean header = false;
    String knative = a.get(KNATIVE_TAG_HEADER_ROUTING);
    if (knative != null) {
      header = onOff(p, path, KNATIVE_TAG_HEADER_ROUTING, knative);
    }
    String own = a.get(TAG_HEADER_ROUTING);
    if (own != null) {
      header = onOff(p, path, TAG_HEADER_ROUTING, own);
    }
    Duration rollout =
        duration(p, path, a, ROLLOUT_DURATION, Duration.ZERO, Duration.ZERO, MAX_ROLLOUT);
    double errorRate = DEFAULT_MAX_ERROR_RATE;
    String rate = a.get(MAX_ERROR_RATE);
    if (rate != null) {
      String digits = rate.strip();
      digits = digits.endsWith("%") ? digits.substring(0, digits.length() - 1) : digits;
      try {
        double v = Double.parseDouble(digits);
        if (!(v >= 0 && v <= 100)) {
          throw new NumberFormatException();
        }
        errorRate = v;
      } catch (NumberFormatException e) {
        p.add(
            field(path, MAX_ERROR_RATE),
            "must be a percent from 0 to 100, got '" + clip(rate) + "'",
            "write e.g. 5 or 2.5% (the share of 5xx answers that rolls a rollout back)");
      }
    }
    Duration p99 = duration(p, path, a, MAX_P99, Duration.ZERO, Duration.ZERO, MAX_WINDOW);
    Duration window =
        duration(p, path, a, ANALYSIS_WINDOW, DEFAULT_ANALYSIS_WINDOW, MIN_WINDOW, MAX_WINDOW);
    int min = DEFAULT_MIN_REQUESTS;
    String count = a.get(MIN_REQUESTS);
    if (count != null) {
      try {
        min = Integer.parseInt(count.strip());
        if (min < 1 || min > MAX_MIN_REQUESTS) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        min = DEFAULT_MIN_REQUESTS;
        p.add(
            field(path, MIN_REQUESTS),
            "must be a whole number from 1 to " + MAX_MIN_REQUESTS + ", got '" + clip(count) + "'",
            "write e.g. 20: fewer requests than this in the window never trip a threshold");
      }
    }
    return new TrafficPolicy(header, rollout, errorRate, p99, window, min);
  }

  private static boolean onOff(Problems p, String path, String key, String v) {
    String s = v.strip().toLowerCase(Locale.ROOT);
    if (s.equals("enabled")) {
      return true;
    }
    if (!s.equals("disabled")) {
      p.add(
          field(path, key),
          "must be enabled or disabled, got '" + clip(v) + "'",
          "write enabled to let the " + TAG_HEADER + " header pick a tagged revision");
    }
    return false;
  }

  private static Duration duration(
      Problems p,
      String path,
      Map<String, String> a,
      String key,
      Duration dflt,
      Duration min,
      Duration max) {
    String v = a.get(key);
    if (v == null) {
      return dflt;
    }
    try {
      Duration d = Durations.parse(v.strip());
      if (d.compareTo(min) >= 0 && d.compareTo(max) <= 0) {
        return d;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    p.add(
        field(path, key),
        "must be a duration from "
            + Durations.format(min)
            + " to "
            + Durations.format(max)
            + ", got '"
            + clip(v)
            + "'",
        "write e.g. 30s, 1m30s or 500ms");
    return dflt;
  }

  private static String field(String path, String key) {
    return path + "[" + key + "]";
  }

  private static String clip(String v) {
    return v.length() > 64 ? v.substring(0, 64) + "..." : v;
  }
}
