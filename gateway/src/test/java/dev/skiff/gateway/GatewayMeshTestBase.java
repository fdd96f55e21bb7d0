package dev.skiff.gateway;

import static dev.skiff.proxy.testing.Await.await;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.ComponentIdentity;
import dev.skiff.meshproxy.IdentityProvider;
import dev.skiff.meshproxy.testing.TestCa;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway that calls sidecars over mutual TLS with its own identity ({@code
 * spiffe://skiff.local/skiff/gateway}) from a test CA: each class starts the identity in its own
 * {@code @BeforeAll} with {@link #startIdentity}, with the certificate settings it needs.
 */
abstract class GatewayMeshTestBase extends GatewayTestBase {
  static final String TD = "skiff.local";
  static final SpiffeId GATEWAY = SpiffeId.component(TD, "gateway");
  static final SpiffeId CART = SpiffeId.workload(TD, NS, "cart");

  @TempDir static Path dir;
  static TestCa ca;
  static ComponentIdentity identity;

  /** A new test CA, and the gateway's identity from it with {@code provider}'s settings. */
  static void startIdentity(UnaryOperator<IdentityProvider.Builder> provider) {
    ca = TestCa.create("mesh");
    identity =
        ComponentIdentity.builder()
            .withVertx(vertx)
            .withIdentity(GATEWAY)
            .withIssuer(ca.issuer())
            .withProvider(provider)
            .build();
    await(identity.start());
  }

  @AfterAll
  static void stopIdentity() {
    if (identity != null) {
      identity.stop();
      identity = null;
    }
  }
}
