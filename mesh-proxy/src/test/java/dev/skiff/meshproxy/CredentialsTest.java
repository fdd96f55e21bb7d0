package dev.skiff.meshproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.skiff.api.mesh.SpiffeId;
import java.util.List;
import org.junit.jupiter.api.Test;

class CredentialsTest {
  private static final String BUNDLE =
      "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

  private static Credentials of(String service) {
    return new Credentials(
        SpiffeId.workload("skiff.local", "default", service),
        "key",
        "chain",
        new String(BUNDLE.toCharArray()),
        List.of(),
        List.of());
  }

  @Test
  void identitiesOfOneTrustDomainShareOneCopyOfTheBundleText() {
    Credentials a = of("a");
    Credentials b = of("b");

    assertEquals(BUNDLE, a.trustBundlePem());
    assertSame(a.trustBundlePem(), b.trustBundlePem());
  }
}
