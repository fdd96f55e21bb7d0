package dev.skiff.api.validation;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as Knative writes them in annotations ({@code 60s}, {@code 1m30s}, {@code 500ms}). */
public final class Durations {
  private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|h|m|s)");

  private Durations() {}

  /** Parses a Go-style duration; throws {@link IllegalArgumentException} when malformed. */
  public static Duration parse(String s) {
    if (s == null || s.isBlank()) {
      throw new IllegalArgumentException("empty duration");
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = PART.matcher(s);
    int end = 0;
    double millis = 0;
    while (m.find()) {
      if (m.start() != end) {
        break;
      }
      double n = Double.parseDouble(m.group(1));
      millis +=
          switch (m.group(2)) {
            case "h" -> n * 3_600_000;
            case "m" -> n * 60_000;
            case "s" -> n * 1_000;
            default -> n;
          };
      end = m.end();
    }
    if (end != s.length()) {
      throw new IllegalArgumentException("'" + s + "' is not a duration like 60s, 1m30s or 500ms");
    }
    return Duration.ofMillis(Math.round(millis));
  }

  /** Formats a duration the way {@link #parse} reads it, e.g. {@code 1m30s}. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 1000 != 0) {
      return ms + "ms";
    }
    long s = ms / 1000;
    StringBuilder b = new StringBuilder();
    if (s >= 3600) {
      b.append(s / 3600).append('h');
      s %= 3600;
    }
    if (s >= 60) {
      b.append(s / 60).append('m');
      s %= 60;
    }
    if (s > 0 || b.length() == 0) {
      b.append(s).append('s');
    }
    return b.toString();
  }
}
