package dev.skiff.meshproxy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.mesh.SpiffeId;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuthorizationPolicyTest {
  private final AuthorizationPolicy policy = AuthorizationPolicy.defaultFor("skiff.local", "shop");

  @Test
  void defaultAllowsThePlatformAndTheSameNamespace() {
    assertTrue(policy.allows(SpiffeId.component("skiff.local", "gateway")));
    assertTrue(policy.allows(SpiffeId.component("skiff.local", "activator")));
    assertTrue(policy.allows(SpiffeId.component("skiff.local", "eventing")));
    assertTrue(policy.allows(SpiffeId.workload("skiff.local", "shop", "checkout")));
  }

  @Test
  void defaultDeniesOtherNamespacesOtherComponentsAndOtherTrustDomains() {
    assertFalse(policy.allows(SpiffeId.workload("skiff.local", "billing", "ledger")));
    assertFalse(policy.allows(SpiffeId.workload("evil.example", "shop", "checkout")));
    assertFalse(policy.allows(SpiffeId.workload("skiff.local", "shopping", "cart")));
    assertFalse(policy.allows(null));
  }

  @Test
  void starAllowsEveryCallerIncludingOneWithoutCertificate() {
    AuthorizationPolicy any = AuthorizationPolicy.of(List.of("*"));
    assertTrue(any.allows(SpiffeId.workload("skiff.local", "billing", "ledger")));
    assertTrue(any.allows(null));
  }

  @Test
  void rejectsRulesThatAreNotSpiffePatterns() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> AuthorizationPolicy.of(List.of("https://skiff.local/ns/shop")));
    assertTrue(e.getMessage().contains("https://skiff.local/ns/shop"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> AuthorizationPolicy.of(List.of()));
    assertThrows(
        IllegalArgumentException.class,
        () -> AuthorizationPolicy.of(List.of("spiffe://skiff.local/ns/*/svc/x")));
    assertThrows(
        IllegalArgumentException.class,
        () -> AuthorizationPolicy.of(List.of("spiffe://skiff.local/ns/shop/*")));
  }

  @Test
  void acceptsStarsInPlaceOfAServiceOrAComponent() {
    AuthorizationPolicy p =
        AuthorizationPolicy.of(
            List.of("spiffe://skiff.local/ns/shop/svc/*", "spiffe://skiff.local/skiff/*"));
    assertTrue(p.allows(SpiffeId.component("skiff.local", "eventing")));
    assertTrue(p.allows(SpiffeId.workload("skiff.local", "shop", "cart")));
    assertFalse(p.allows(SpiffeId.workload("skiff.local", "billing", "cart")));
  }
}
