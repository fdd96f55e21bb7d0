package dev.skiff.proxy;

import java.time.Duration;
import java.util.Objects;

/** Checks of builder arguments, with the messages every proxy component's builder gives. */
public final class Arguments {
  private Arguments() {}

  /** {@code d}, if it is longer than zero; {@code what} names it in the error. */
  public static Duration positive(Duration d, String what) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
    return d;
  }

  /** {@code d}, if it is zero or longer; {@code what} names it in the error. */
  public static Duration notNegative(Duration d, String what) {
    Objects.requireNonNull(d, what);
    if (d.isNegative()) {
      throw new IllegalArgumentException(what + " must not be negative, got " + d);
    }
    return d;
  }

  /** {@code n}, if it is at least 1; {@code what} names it in the error. */
  public static int atLeastOne(int n, String what) {
    if (n < 1) {
      throw new IllegalArgumentException(what + " must be >= 1, got " + n);
    }
    return n;
  }
}
