package dev.skiff.api.validation;

import java.math.BigDecimal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Kubernetes resource quantities: {@code 128Mi}, {@code 1G}, {@code 500m}, {@code 0.5}. */
public final class Quantities {
  private static final Pattern QUANTITY =
      Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|K|M|G|T|m)?");

  private Quantities() {}

  /** Parses a memory quantity to bytes; throws {@link IllegalArgumentException} when malformed. */
  public static long bytes(String q) {
    Matcher m = match(q);
    BigDecimal n = new BigDecimal(m.group(1));
    String unit = m.group(2) == null ? "" : m.group(2);
    long mult =
        switch (unit) {
          case "" -> 1L;
          case "Ki" -> 1L << 10;
          case "Mi" -> 1L << 20;
          case "Gi" -> 1L << 30;
          case "Ti" -> 1L << 40;
          case "k", "K" -> 1_000L;
          case "M" -> 1_000_000L;
          case "G" -> 1_000_000_000L;
          case "T" -> 1_000_000_000_000L;
          default -> throw new IllegalArgumentException("unit " + unit + " is not a memory unit");
        };
    return n.multiply(BigDecimal.valueOf(mult)).longValue();
  }

  /**
   * Parses a cpu quantity to millicores; throws {@link IllegalArgumentException} when malformed.
   */
  public static long millicores(String q) {
    Matcher m = match(q);
    BigDecimal n = new BigDecimal(m.group(1));
    String unit = m.group(2) == null ? "" : m.group(2);
    return switch (unit) {
      case "" -> n.multiply(BigDecimal.valueOf(1000)).longValue();
      case "m" -> n.longValue();
      default -> throw new IllegalArgumentException("unit " + unit + " is not a cpu unit");
    };
  }

  private static Matcher match(String q) {
    Matcher m = QUANTITY.matcher(q == null ? "" : q.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + q + "' is not a quantity");
    }
    return m;
  }
}
