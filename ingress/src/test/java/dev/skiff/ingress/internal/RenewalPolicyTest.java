package dev.skiff.ingress.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RenewalPolicyTest {
  @Test
  void renewsAtTwoThirdsOfTheLifetime() {
    Instant from = Instant.parse("2026-01-01T00:00:00Z");

    assertEquals(
        Instant.parse("2026-03-02T00:00:00Z"),
        RenewalPolicy.renewAt(from, from.plus(Duration.ofDays(90))));
  }

  @Test
  void backoffDoublesPerFailureUpToTheCap() {
    RenewalPolicy p = new RenewalPolicy(Duration.ofMinutes(1), Duration.ofMinutes(10));

    assertEquals(Duration.ofMinutes(1), p.backoff(1));
    assertEquals(Duration.ofMinutes(2), p.backoff(2));
    assertEquals(Duration.ofMinutes(8), p.backoff(4));
    assertEquals(Duration.ofMinutes(10), p.backoff(5));
    assertEquals(Duration.ofMinutes(10), p.backoff(50));
  }
}
