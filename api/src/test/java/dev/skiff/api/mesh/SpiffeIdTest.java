package dev.skiff.api.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpiffeIdTest {
  @Test
  void workloadAndComponentIdsRoundTripThroughTheirUri() {
    SpiffeId w = SpiffeId.workload("skiff.local", "team-a", "hello");
    assertEquals("spiffe://skiff.local/ns/team-a/svc/hello", w.uri());
    assertEquals(w, SpiffeId.parse(w.uri()));
    assertEquals("team-a", w.namespace());
    assertEquals("hello", w.service());
    SpiffeId c = SpiffeId.parse("spiffe://skiff.local/skiff/gateway");
    assertEquals("gateway", c.component());
    assertEquals(null, c.namespace());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://skiff.local/ns/a/svc/b",
        "spiffe://skiff.local",
        "spiffe://Skiff.Local/ns/a/svc/b",
        "spiffe://skiff.local/ns/A/svc/b",
        "spiffe://skiff.local/ns/a/svc/b/extra",
        "spiffe://skiff.local/ns/a%2Fb/svc/c",
        "spiffe://skiff.local/skiff/root",
        "spiffe://skiff.local/other",
        "spiffe://",
        "spiffe:///ns/a/svc/b",
        "spiffe://skiff.local/ns/../svc/b",
        "spiffe://skiff.local/ns//svc/b",
        "spiffe://skiff.local/ns/a/svc/b?x=y",
        "spiffe://skiff.local/ns/a/svc/b#frag",
        "spiffe://skiff.local/ns/a/svc/b/",
        "spiffe://skiff.local/ns/a/svc/.."
      })
  void malformedOrUnknownIdsAreRefused(String uri) {
    assertThrows(IllegalArgumentException.class, () -> SpiffeId.parse(uri));
  }

  @Test
  void constructorChecksNamesToo() {
    assertThrows(
        IllegalArgumentException.class, () -> new SpiffeId("skiff.local", "/ns/a b/svc/c"));
  }
}
