package dev.skiff.ingress.internal;

import java.time.Duration;
import java.time.Instant;

/**
 * When to renew and when to retry: renewal at two thirds of a certificate's lifetime (what
 * cert-manager and Let's Encrypt advise), retries after a failure backing off exponentially from
 * {@code minBackoff} to {@code maxBackoff}, never later than the renewal point already passed.
 */
public record RenewalPolicy(Duration minBackoff, Duration maxBackoff) {

  /** Two thirds of the way from {@code notBefore} to {@code notAfter}. */
  public static Instant renewAt(Instant notBefore, Instant notAfter) {
    long lifeMillis = Duration.between(notBefore, notAfter).toMillis();
    return notBefore.plusMillis(lifeMillis * 2 / 3);
  }

  /** How long to wait after the {@code failures}-th failure in a row (1 for the first). */
  public Duration backoff(int failures) {
    Duration d = minBackoff;
    for (int i = 1; i < failures && d.compareTo(maxBackoff) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
  }
}
