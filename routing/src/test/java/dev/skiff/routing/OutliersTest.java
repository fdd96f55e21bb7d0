package dev.skiff.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OutliersTest {
  private static final long S = 1_000_000_000L;

  private static void fail(Outliers<String> o, String e, int times, long now) {
    for (int i = 0; i < times; i++) {
      o.failure(e, now);
    }
  }

  @Test
  void ejectsAfterSevenConsecutiveFailuresForOneSecond() {
    Outliers<String> o = Outliers.create();
    fail(o, "a", 6, 0);
    assertFalse(o.ejected("a", 0));
    fail(o, "a", 1, 0);
    assertTrue(o.ejected("a", 0));
    assertTrue(o.ejected("a", S - 1));
    assertFalse(o.ejected("a", S), "probed again after the backoff");
  }

  @Test
  void aSuccessInBetweenResetsTheCount() {
    Outliers<String> o = Outliers.create();
    fail(o, "a", 6, 0);
    o.success("a");
    fail(o, "a", 6, 0);
    assertFalse(o.ejected("a", 0));
  }

  @Test
  void aFailedProbeEjectsAgainForTwiceAsLongUpToSixtySeconds() {
    Outliers<String> o = Outliers.create();
    fail(o, "a", 7, 0);
    long now = S;
    long expected = 2 * S;
    for (int i = 0; i < 10; i++) {
      o.failure("a", now); // the probe fails
      assertTrue(o.ejected("a", now + expected - 1));
      assertFalse(o.ejected("a", now + expected));
      now += expected;
      expected = Math.min(60 * S, expected * 2);
    }
    assertEquals(11, o.ejections("a"));
    o.success("a");
    assertEquals(0, o.ejections("a"));
  }

  @Test
  void anEndpointKnownUnreachableIsEjectedAtOnceAndProbedAfterTheBackoff() {
    Outliers<String> o = Outliers.create();
    o.eject("a", 0);
    assertTrue(o.ejected("a", S - 1));
    o.eject("a", S / 2); // told again while ejected: the backoff stays
    assertFalse(o.ejected("a", S));
    o.eject("a", S); // the probe's connection failed too: twice as long
    assertTrue(o.ejected("a", 3 * S - 1));
    assertEquals(2, o.ejections("a"));
  }

  @Test
  void theDetectorThatNeverEjectsIgnoresEjections() {
    Outliers<String> o = Outliers.never();
    o.eject("a", 0);
    assertFalse(o.ejected("a", 0));
  }
}
