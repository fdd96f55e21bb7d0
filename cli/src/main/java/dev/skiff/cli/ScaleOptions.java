package dev.skiff.cli;

import dev.skiff.api.model.ScalingSettings;
import dev.skiff.api.validation.FieldError;
import dev.skiff.api.validation.Problems;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Option;

/**
 * The flags of {@code skiff scale}, one Knative autoscaling annotation each, and the annotations
 * they make. Checked with api's {@link ScalingSettings#validate} rules, as the control plane checks
 * them, so a bad value is reported by its flag before anything is sent.
 */
final class ScaleOptions {
  /** Flag per annotation, in the order the output names them. */
  private static final Map<String, String> FLAGS = flags();

  // The long aliases are deploy's names for the same two settings.
  @Option(
      names = {"--min", "--min-scale"},
      paramLabel = "N",
      description = "Fewest instances (min-scale); 0 allows scale to zero.")
  Integer min;

  @Option(
      names = {"--max", "--max-scale"},
      paramLabel = "N",
      description = "Most instances (max-scale); 0 = unbounded.")
  Integer max;

  @Option(
      names = {"--initial", "--initial-scale"},
      paramLabel = "N",
      description = "Instances a new revision starts with (initial-scale).")
  Integer initial;

  @Option(
      names = "--target",
      paramLabel = "N",
      description = "Concurrent requests one instance should carry (target), e.g. 50.")
  BigDecimal target;

  @Option(
      names = "--window",
      paramLabel = "D",
      description = "Stable window the load is averaged over, 6s to 1h, e.g. 60s.")
  String window;

  @Option(
      names = "--retention",
      paramLabel = "D",
      description =
          "Least time the last instance stays after the last request"
              + " (scale-to-zero-pod-retention-period), e.g. 5m.")
  String retention;

  /** The annotations the given flags set; empty when none was given. */
  Map<String, String> annotations() {
    Map<String, String> a = new LinkedHashMap<>();
    put(a, ScalingSettings.MIN_SCALE, min);
    put(a, ScalingSettings.MAX_SCALE, max);
    put(a, ScalingSettings.INITIAL_SCALE, initial);
    // 50, not 50.0 or 5E+1: the annotation reads as the user wrote the number.
    put(
        a,
        ScalingSettings.TARGET,
        target == null ? null : target.stripTrailingZeros().toPlainString());
    put(a, ScalingSettings.WINDOW, window);
    put(a, ScalingSettings.RETENTION, retention);
    return a;
  }

  /** One line per bad value, naming its flag: {@code --min: must be >= 0, got -1}. */
  List<String> problems() {
    Problems p = new Problems();
    ScalingSettings.validate(p, "", annotations());
    return p.errors().stream().map(ScaleOptions::describe).toList();
  }

  /**
   * Why the given bounds cannot go with the ones the service already has ({@code current}, its
   * effective autoscaling annotations), or null when they can: the flags alone were checked by
   * {@link #problems}, so only a min-scale above a max-scale the other side set is left.
   */
  String conflict(Map<String, String> current, String service) {
    Map<String, String> merged = new LinkedHashMap<>(current);
    merged.putAll(annotations());
    Integer lo = integer(merged.get(ScalingSettings.MIN_SCALE));
    Integer hi = integer(merged.get(ScalingSettings.MAX_SCALE));
    if (lo == null || hi == null || hi == 0 || lo <= hi) {
      return null;
    }
    return min != null
        ? "--min: min-scale "
            + lo
            + " is greater than the max-scale "
            + hi
            + " that "
            + service
            + " has; give --max as well (0 means unbounded)"
        : "--max: max-scale "
            + hi
            + " is less than the min-scale "
            + lo
            + " that "
            + service
            + " has; give --min as well, or --max 0 for unbounded";
  }

  /** What the flags set, for people: {@code min-scale 1, window 30s}. */
  String summary() {
    return annotations().entrySet().stream()
        .map(e -> e.getKey().substring(ScalingSettings.PREFIX.length()) + " " + e.getValue())
        .collect(Collectors.joining(", "));
  }

  /** The flags, for a message that none was given. */
  static String flagList() {
    List<String> f = List.copyOf(FLAGS.values());
    return String.join(", ", f.subList(0, f.size() - 1)) + " or " + f.get(f.size() - 1);
  }

  private static String describe(FieldError e) {
    String f = e.field();
    String key = f.startsWith("[") && f.endsWith("]") ? f.substring(1, f.length() - 1) : f;
    return FLAGS.getOrDefault(key, f)
        + ": "
        + e.message()
        + (e.hint() == null ? "" : " (" + e.hint() + ")");
  }

  private static void put(Map<String, String> a, String key, Object value) {
    if (value != null) {
      a.put(key, value.toString());
    }
  }

  private static Integer integer(String v) {
    try {
      return v == null ? null : Integer.valueOf(v.trim());
    } catch (NumberFormatException e) {
      return null; // the control plane's to judge: it accepted it before
    }
  }

  private static Map<String, String> flags() {
    Map<String, String> f = new LinkedHashMap<>();
    f.put(ScalingSettings.MIN_SCALE, "--min");
    f.put(ScalingSettings.MAX_SCALE, "--max");
    f.put(ScalingSettings.INITIAL_SCALE, "--initial");
    f.put(ScalingSettings.TARGET, "--target");
    f.put(ScalingSettings.WINDOW, "--window");
    f.put(ScalingSettings.RETENTION, "--retention");
    return f;
  }
}
