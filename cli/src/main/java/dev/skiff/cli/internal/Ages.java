package dev.skiff.cli.internal;

import java.time.Duration;
import java.time.Instant;

/**
 * Ages for the AGE column, in the largest whole unit: {@code 42s}, {@code 5m}, {@code 3h}, {@code
 * 2d}.
 */
public final class Ages {
  private Ages() {}

  public static String since(Instant then, Instant now) {
    if (then == null) {
      return "-";
    }
    long s = Math.max(0, Duration.between(then, now).getSeconds());
    if (s < 60) {
      return s + "s";
    } else if (s < 3600) {
      return s / 60 + "m";
    } else if (s < 86_400) {
      return s / 3600 + "h";
    }
    return s / 86_400 + "d";
  }
}
