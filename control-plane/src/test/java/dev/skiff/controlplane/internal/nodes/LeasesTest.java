package dev.skiff.controlplane.internal.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LeasesTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final Leases leases = new Leases(Duration.ofSeconds(10));

  @Test
  void leaseHoldsUntilItsDurationHasPassed() {
    leases.renew("a", T0);
    assertTrue(leases.live("a", T0.plusSeconds(10)));
    assertFalse(leases.live("a", T0.plusSeconds(10).plusMillis(1)));
    assertEquals(Set.of("a"), leases.expired(T0.plusSeconds(11)));
  }

  @Test
  void renewalExtendsTheLease() {
    leases.renew("a", T0);
    leases.renew("a", T0.plusSeconds(8));
    assertTrue(leases.live("a", T0.plusSeconds(17)));
    assertEquals(Set.of(), leases.expired(T0.plusSeconds(17)));
  }

  @Test
  void aLateRenewalNeverMovesTheLeaseBack() {
    leases.renew("a", T0.plusSeconds(8));
    leases.renew("a", T0);
    assertEquals(T0.plusSeconds(8), leases.renewedAt("a"));
  }

  @Test
  void unknownNodeHoldsNoLease() {
    assertFalse(leases.live("nobody", T0));
  }

  @Test
  void onlyExpiredNodesAreListed() {
    leases.renew("old", T0);
    leases.renew("fresh", T0.plusSeconds(9));
    assertEquals(Set.of("old"), leases.expired(T0.plusSeconds(12)));
    leases.remove("old");
    assertEquals(Set.of(), leases.expired(T0.plusSeconds(12)));
  }

  @Test
  void refusesANonPositiveDuration() {
    assertThrows(IllegalArgumentException.class, () -> new Leases(Duration.ZERO));
  }
}
