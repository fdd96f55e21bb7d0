package dev.skiff.node.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.skiff.node.container.internal.AddressPool;
import org.junit.jupiter.api.Test;

class AddressPoolTest {
  @Test
  void cutsTheSubnetIntoSlash30LinksLowestFirst() {
    AddressPool pool = new AddressPool("10.88.7.9/16");
    assertEquals("10.88.0.0/16", pool.cidr());
    int a = pool.allocate();
    int b = pool.allocate();
    assertEquals(0, a);
    assertEquals(1, b);
    assertEquals("10.88.0.1", pool.hostAddress(a));
    assertEquals("10.88.0.2", pool.podAddress(a));
    assertEquals("10.88.0.5", pool.hostAddress(b));
    assertEquals("10.88.0.6", pool.podAddress(b));
    pool.release(a);
    assertEquals(0, pool.allocate());
  }

  @Test
  void refusesWhenExhausted() {
    AddressPool pool = new AddressPool("10.1.2.0/29");
    pool.allocate();
    pool.allocate();
    assertThrows(IllegalStateException.class, pool::allocate);
  }

  @Test
  void rejectsMalformedSubnets() {
    assertThrows(IllegalArgumentException.class, () -> new AddressPool("10.1.2.0"));
    assertThrows(IllegalArgumentException.class, () -> new AddressPool("10.1.2.0/31"));
    assertThrows(IllegalArgumentException.class, () -> new AddressPool("10.1.2.300/24"));
  }
}
