package dev.skiff.api.model;

import dev.skiff.api.validation.Durations;
import dev.skiff.api.validation.LegacyAnnotations;
import dev.skiff.api.validation.Problems;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A revision's autoscaling settings, read from Knative's {@code autoscaling.knative.dev/*}
 * annotations with Knative's names and defaults.
 *
 * @param minScale lower bound on instances; 0 allows scale to zero
 * @param maxScale upper bound; 0 means unbounded
 * @param initialScale instances created with a new revision
 * @param target target concurrency (or RPS) per instance
 * @param targetUtilizationPercent the share of {@code target} aimed at
 * @param window the stable window
 * @param panicWindowPercent the panic window as a percent of {@code window}
 * @param panicThresholdPercent panic when demand exceeds this percent of capacity
 * @param scaleToZeroRetention how long the last instance stays after the revision went idle
 * @param metric {@code concurrency} or {@code rps}
 * @param targetBurstCapacity spare concurrency to keep before the activator leaves the path; -1
 *     keeps it always, 0 never once warm; null means the platform's default (211, as Knative)
 * @param scaleDownDelay how long a lower count must be wanted before it is applied (Knative's
 *     {@code scale-down-delay}: the count is the highest decided within this time); zero: at once
 * @param activationScale the fewest instances a revision runs whenever it runs any (Knative's
 *     {@code activation-scale}); 1 by default
 */
public record ScalingSettings(
    int minScale,
    int maxScale,
    int initialScale,
    double target,
    double targetUtilizationPercent,
    Duration window,
    double panicWindowPercent,
    double panicThresholdPercent,
    Duration scaleToZeroRetention,
    String metric,
    Double targetBurstCapacity,
    Duration scaleDownDelay,
    int activationScale) {

  public static final String PREFIX = "autoscaling.knative.dev/";
  public static final String MIN_SCALE = PREFIX + "min-scale";
  public static final String MAX_SCALE = PREFIX + "max-scale";
  public static final String INITIAL_SCALE = PREFIX + "initial-scale";
  public static final String TARGET = PREFIX + "target";
  public static final String TARGET_UTILIZATION = PREFIX + "target-utilization-percentage";
  public static final String WINDOW = PREFIX + "window";
  public static final String PANIC_WINDOW = PREFIX + "panic-window-percentage";
  public static final String PANIC_THRESHOLD = PREFIX + "panic-threshold-percentage";
  public static final String RETENTION = PREFIX + "scale-to-zero-pod-retention-period";
  public static final String METRIC = PREFIX + "metric";
  public static final String CLASS = PREFIX + "class";
  public static final String TARGET_BURST_CAPACITY = PREFIX + "target-burst-capacity";
  public static final String SCALE_DOWN_DELAY = PREFIX + "scale-down-delay";
  public static final String ACTIVATION_SCALE = PREFIX + "activation-scale";

  /** Every annotation Skiff understands under the autoscaling prefix. */
  public static final Set<String> KNOWN =
      Set.of(
          MIN_SCALE,
          MAX_SCALE,
          INITIAL_SCALE,
          TARGET,
          TARGET_UTILIZATION,
          WINDOW,
          PANIC_WINDOW,
          PANIC_THRESHOLD,
          RETENTION,
          METRIC,
          CLASS,
          TARGET_BURST_CAPACITY,
          SCALE_DOWN_DELAY,
          ACTIVATION_SCALE);

  /** Knative's defaults. */
  public static final ScalingSettings DEFAULTS =
      new ScalingSettings(
          0,
          0,
          1,
          100,
          70,
          Duration.ofSeconds(60),
          10,
          200,
          Duration.ZERO,
          "concurrency",
          null,
          Duration.ZERO,
          1);

  /** Reads the settings from annotations; call {@link #validate} first for friendly errors. */
  public static ScalingSettings from(Map<String, String> annotations) {
    Map<String, String> a = LegacyAnnotations.rename(annotations);
    ScalingSettings d = DEFAULTS;
    return new ScalingSettings(
        intOr(a, MIN_SCALE, d.minScale),
        intOr(a, MAX_SCALE, d.maxScale),
        intOr(a, INITIAL_SCALE, d.initialScale),
        doubleOr(a, TARGET, d.target),
        doubleOr(a, TARGET_UTILIZATION, d.targetUtilizationPercent),
        a.containsKey(WINDOW) ? Durations.parse(a.get(WINDOW)) : d.window,
        doubleOr(a, PANIC_WINDOW, d.panicWindowPercent),
        doubleOr(a, PANIC_THRESHOLD, d.panicThresholdPercent),
        a.containsKey(RETENTION) ? Durations.parse(a.get(RETENTION)) : d.scaleToZeroRetention,
        a.getOrDefault(METRIC, d.metric),
        a.containsKey(TARGET_BURST_CAPACITY)
            ? Double.valueOf(a.get(TARGET_BURST_CAPACITY).trim())
            : null,
        a.containsKey(SCALE_DOWN_DELAY)
            ? Durations.parse(a.get(SCALE_DOWN_DELAY))
            : d.scaleDownDelay,
        intOr(a, ACTIVATION_SCALE, d.activationScale));
  }

  /**
   * The settings of a revision made from {@code t}: its annotations, with Knative's rule that a
   * concurrency target never exceeds {@code containerConcurrency} when that is set (so a template
   * with containerConcurrency 10 and no target annotation aims at 10 × utilization).
   */
  public static ScalingSettings of(RevisionTemplate t) {
    ScalingSettings s = from(t.annotations());
    int cc = t.containerConcurrencyOrDefault();
    if (cc <= 0 || !"concurrency".equals(s.metric) || s.target <= cc) {
      return s;
    }
    return new ScalingSettings(
        s.minScale,
        s.maxScale,
        s.initialScale,
        cc,
        s.targetUtilizationPercent,
        s.window,
        s.panicWindowPercent,
        s.panicThresholdPercent,
        s.scaleToZeroRetention,
        s.metric,
        s.targetBurstCapacity,
        s.scaleDownDelay,
        s.activationScale);
  }

  /** Checks every autoscaling annotation, adding problems under {@code path}. */
  public static void validate(Problems p, String path, Map<String, String> annotations) {
    LegacyAnnotations.checkNotBoth(p, path, annotations);
    Map<String, String> a = LegacyAnnotations.rename(annotations);
    for (String key : new TreeSet<>(a.keySet())) {
      if (key.startsWith(PREFIX)
          && !KNOWN.contains(key)
          && !LegacyAnnotations.RENAMED.containsKey(key)) {
        p.add(
            path + "[" + key + "]",
            "unknown autoscaling annotation",
            "known ones are " + new TreeSet<>(KNOWN));
      }
    }
    Integer min = intIn(p, path, a, MIN_SCALE, 0, Integer.MAX_VALUE);
    Integer max = intIn(p, path, a, MAX_SCALE, 0, Integer.MAX_VALUE);
    intIn(p, path, a, INITIAL_SCALE, 0, Integer.MAX_VALUE);
    if (min != null && max != null && max > 0 && min > max) {
      p.add(
          path + "[" + MIN_SCALE + "]",
          "min-scale " + min + " is greater than max-scale " + max,
          "lower min-scale or raise max-scale (0 means unbounded)");
    }
    doubleIn(p, path, a, TARGET, 0.01, Double.MAX_VALUE);
    doubleIn(p, path, a, TARGET_UTILIZATION, 1, 100);
    doubleIn(p, path, a, PANIC_WINDOW, 1, 100);
    doubleIn(p, path, a, PANIC_THRESHOLD, 110, 1000);
    durationIn(p, path, a, WINDOW, Duration.ofSeconds(6), Duration.ofHours(1));
    String tbc = a.get(TARGET_BURST_CAPACITY);
    if (tbc != null && !tbc.trim().equals("-1")) {
      doubleIn(p, path, a, TARGET_BURST_CAPACITY, 0, Double.MAX_VALUE);
    }
    durationIn(p, path, a, RETENTION, Duration.ZERO, Duration.ofDays(1));
    durationIn(p, path, a, SCALE_DOWN_DELAY, Duration.ZERO, Duration.ofHours(1));
    String delay = a.get(SCALE_DOWN_DELAY);
    if (delay != null && wholeSeconds(delay) == Boolean.FALSE) {
      p.add(
          path + "[" + SCALE_DOWN_DELAY + "]",
          "must be whole seconds, got " + delay,
          "e.g. 15m or 90s");
    }
    intIn(p, path, a, ACTIVATION_SCALE, 1, Integer.MAX_VALUE);
    String metric = a.get(METRIC);
    if (metric != null && !metric.equals("concurrency") && !metric.equals("rps")) {
      p.add(path + "[" + METRIC + "]", "must be concurrency or rps, got '" + metric + "'", null);
    }
    String cls = a.get(CLASS);
    if (cls != null && !cls.equals("kpa.autoscaling.knative.dev")) {
      p.add(
          path + "[" + CLASS + "]",
          "only kpa.autoscaling.knative.dev is supported, got '" + cls + "'",
          "remove the annotation to use the KPA");
    }
  }

  private static Integer intIn(
      Problems p, String path, Map<String, String> a, String key, int lo, int hi) {
    String v = a.get(key);
    if (v == null) {
      return null;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n < lo || n > hi) {
        p.add(path + "[" + key + "]", "must be >= " + lo + ", got " + n, null);
        return null;
      }
      return n;
    } catch (NumberFormatException e) {
      p.add(path + "[" + key + "]", "must be an integer, got '" + v + "'", "e.g. \"3\"");
      return null;
    }
  }

  private static void doubleIn(
      Problems p, String path, Map<String, String> a, String key, double lo, double hi) {
    String v = a.get(key);
    if (v == null) {
      return;
    }
    try {
      double n = Double.parseDouble(v.trim());
      if (!(n >= lo && n <= hi)) {
        p.add(path + "[" + key + "]", "must be between " + lo + " and " + hi + ", got " + v, null);
      }
    } catch (NumberFormatException e) {
      p.add(path + "[" + key + "]", "must be a number, got '" + v + "'", "e.g. \"70\"");
    }
  }

  private static void durationIn(
      Problems p, String path, Map<String, String> a, String key, Duration lo, Duration hi) {
    String v = a.get(key);
    if (v == null) {
      return;
    }
    try {
      Duration d = Durations.parse(v);
      if (d.compareTo(lo) < 0 || d.compareTo(hi) > 0) {
        p.add(
            path + "[" + key + "]",
            "must be between "
                + Durations.format(lo)
                + " and "
                + Durations.format(hi)
                + ", got "
                + v,
            null);
      }
    } catch (IllegalArgumentException e) {
      p.add(path + "[" + key + "]", e.getMessage(), "write durations like 60s, 1m30s or 500ms");
    }
  }

  /** Whether a well-formed duration is whole seconds; null when it does not parse. */
  private static Boolean wholeSeconds(String v) {
    try {
      return Durations.parse(v).toMillis() % 1000 == 0;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static int intOr(Map<String, String> a, String key, int dflt) {
    String v = a.get(key);
    return v == null ? dflt : Integer.parseInt(v.trim());
  }

  private static double doubleOr(Map<String, String> a, String key, double dflt) {
    String v = a.get(key);
    return v == null ? dflt : Double.parseDouble(v.trim());
  }
}
