package dev.skiff.meshproxy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.api.mesh.SpiffeId;
import org.junit.jupiter.api.Test;

class ClientCertHeaderTest {
  private static final SpiffeId SELF = SpiffeId.parse("spiffe://skiff.local/ns/default/svc/hello");
  private static final SpiffeId GATEWAY = SpiffeId.parse("spiffe://skiff.local/skiff/gateway");
  private static final SpiffeId ACTIVATOR = SpiffeId.parse("spiffe://skiff.local/skiff/activator");

  private final ClientCertHeader header = new ClientCertHeader(SELF);

  @Test
  void namesTheSidecarAsByAndTheCallerAsUri() {
    assertEquals(
        "By=spiffe://skiff.local/ns/default/svc/hello;URI=spiffe://skiff.local/skiff/gateway",
        header.of(GATEWAY));
  }

  @Test
  void aDifferentCallerGetsItsOwnValueNotTheLastCallers() {
    header.of(GATEWAY);

    assertEquals(
        "By=spiffe://skiff.local/ns/default/svc/hello;URI=spiffe://skiff.local/skiff/activator",
        header.of(ACTIVATOR));
    assertEquals(
        "By=spiffe://skiff.local/ns/default/svc/hello;URI=spiffe://skiff.local/skiff/gateway",
        header.of(GATEWAY));
  }

  @Test
  void anEqualCallerReadOffAnotherConnectionGetsTheSameValue() {
    String first = header.of(GATEWAY);

    assertEquals(first, header.of(SpiffeId.parse("spiffe://skiff.local/skiff/gateway")));
  }
}
