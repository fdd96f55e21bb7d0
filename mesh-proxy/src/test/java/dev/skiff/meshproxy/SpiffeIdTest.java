package dev.skiff.meshproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SpiffeIdTest {
  @Test
  void readsAndWritesWorkloadIds() {
    SpiffeId id = SpiffeId.parse("spiffe://skiff.local/ns/shop/svc/cart");
    assertEquals(SpiffeId.workload("skiff.local", "shop", "cart"), id);
    assertEquals("spiffe://skiff.local/ns/shop/svc/cart", id.uri());
  }

  @Test
  void rejectsWhatIsNotASpiffeId() {
    for (String bad :
        new String[] {
          "https://skiff.local/ns/a",
          "spiffe://",
          "spiffe://skiff.local",
          "spiffe://Skiff.Local/x",
          "spiffe://skiff.local/ns/../svc",
          "spiffe://skiff.local/ns//svc",
          "spiffe://skiff.local/x?y",
          "spiffe://skiff.local/x%2F"
        }) {
      assertThrows(InvalidIdentityException.class, () -> SpiffeId.parse(bad), bad);
    }
  }
}
