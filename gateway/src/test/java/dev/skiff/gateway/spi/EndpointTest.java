package dev.skiff.gateway.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class EndpointTest {
  private static final String ID = "spiffe://skiff.local/ns/a/svc/b";

  @Test
  void equalWhenHostPortAndIdentityAre() {
    Endpoint a = new Endpoint(new String("127.0.0.1"), 8080, ID);
    Endpoint b = new Endpoint("127.0.0.1", 8080, new String(ID));
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertEquals(new Endpoint("127.0.0.1", 8080), new Endpoint(new String("127.0.0.1"), 8080));
    assertEquals(
        new Endpoint("127.0.0.1", 8080).hashCode(),
        new Endpoint(new String("127.0.0.1"), 8080).hashCode());
  }

  @Test
  void differsInAnyComponent() {
    Endpoint a = new Endpoint("127.0.0.1", 8080, ID);
    assertNotEquals(a, new Endpoint("127.0.0.2", 8080, ID));
    assertNotEquals(a, new Endpoint("127.0.0.1", 8081, ID));
    assertNotEquals(a, new Endpoint("127.0.0.1", 8080, ID + "x"));
    assertNotEquals(a, new Endpoint("127.0.0.1", 8080));
    assertNotEquals(new Endpoint("127.0.0.1", 8080), a);
    assertNotEquals(a, null);
    assertNotEquals(a, "127.0.0.1:8080");
  }
}
