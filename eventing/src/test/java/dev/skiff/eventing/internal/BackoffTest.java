package dev.skiff.eventing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private static final Duration BASE = Duration.ofMillis(200);

  @Test
  void linearAndExponentialGrowAsKnativeSaysAndAreCapped() {
    assertEquals(Duration.ofMillis(200), Backoff.delay(1, false, BASE));
    assertEquals(Duration.ofMillis(600), Backoff.delay(3, false, BASE));
    assertEquals(Duration.ofMillis(200), Backoff.delay(1, true, BASE));
    assertEquals(Duration.ofMillis(800), Backoff.delay(3, true, BASE));
    assertEquals(Backoff.MAX, Backoff.delay(60, true, BASE));
  }

  @Test
  void readsRetryAfterAsSecondsOrDateAndCapsIt() {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    assertEquals(Duration.ofSeconds(3), Backoff.retryAfter("3", now));
    assertEquals(Duration.ofSeconds(10), Backoff.retryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now));
    assertEquals(Backoff.MAX, Backoff.retryAfter("999999", now));
    assertEquals(Duration.ZERO, Backoff.retryAfter("soon", now));
    assertEquals(Duration.ZERO, Backoff.retryAfter(null, now));
  }

  @Test
  void retriesTheStatusesKnativeRetries() {
    for (int s : new int[] {0, 404, 408, 409, 429, 500, 503}) {
      assertTrue(Backoff.retryable(s), "" + s);
    }
    for (int s : new int[] {400, 401, 403, 413, 422}) {
      assertFalse(Backoff.retryable(s), "" + s);
    }
  }
}
