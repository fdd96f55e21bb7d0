package dev.skiff.eventing.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** How long to wait before a retry: Knative's linear and exponential policies, and Retry-After. */
final class Backoff {
  /** No wait is longer than this, whatever the policy or the server asks. */
  static final Duration MAX = Duration.ofMinutes(5);

  private Backoff() {}

  /**
   * The wait before retry {@code attempt} (1 for the first retry): {@code delay * attempt} (linear)
   * or {@code delay * 2^(attempt-1)} (exponential), capped at {@link #MAX}.
   */
  static Duration delay(int attempt, boolean exponential, Duration base) {
    long ms = base.toMillis();
    long wait =
        exponential
            ? ms * (1L << Math.min(Math.max(attempt - 1, 0), 30))
            : ms * Math.max(attempt, 1);
    return wait < 0 || wait > MAX.toMillis() ? MAX : Duration.ofMillis(wait);
  }

  /**
   * A Retry-After value (seconds or an HTTP date) as a wait from {@code now}, capped at {@link
   * #MAX}; zero when absent or malformed.
   */
  static Duration retryAfter(String value, Instant now) {
    if (value == null || value.isBlank()) {
      return Duration.ZERO;
    }
    String v = value.trim();
    Duration d;
    if (v.chars().allMatch(Character::isDigit) && v.length() <= 9) {
      d = Duration.ofSeconds(Long.parseLong(v));
    } else {
      try {
        d =
            Duration.between(
                now, ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
      } catch (DateTimeParseException e) {
        return Duration.ZERO;
      }
    }
    if (d.isNegative()) {
      return Duration.ZERO;
    }
    return d.compareTo(MAX) > 0 ? MAX : d;
  }

  /** Whether a status is retried: 5xx, 404, 408, 409, 429; 0 stands for a connection error. */
  static boolean retryable(int status) {
    return status == 0
        || status >= 500
        || status == 404
        || status == 408
        || status == 409
        || status == 429;
  }
}
