package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EventingRoleTest {
  @Test
  void gatewayUrlGivesHostAndPort() {
    assertEquals(
        new EventingRole.GatewayAddress("10.0.0.1", 8080),
        EventingRole.gatewayAddress("http://10.0.0.1:8080"));
    assertEquals(
        new EventingRole.GatewayAddress("gw.example", 80),
        EventingRole.gatewayAddress(" http://gw.example/ "));
    assertEquals(
        new EventingRole.GatewayAddress("::1", 9000),
        EventingRole.gatewayAddress("http://[::1]:9000"));
  }

  @Test
  void aMissingGatewayUrlSaysWhichFlagToGive() {
    var e = assertThrows(IllegalArgumentException.class, () -> EventingRole.gatewayAddress(null));
    assertTrue(e.getMessage().contains("--gateway-url http://HOST:PORT"), e.getMessage());
  }

  @Test
  void httpsAndPathsAreRefusedNamingTheFlag() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> EventingRole.gatewayAddress("https://10.0.0.1:8443"));
    assertTrue(e.getMessage().contains("only http://"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> EventingRole.gatewayAddress("http://10.0.0.1:8080/events"));
    assertTrue(e.getMessage().contains("HOST:PORT only"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> EventingRole.gatewayAddress("10.0.0.1"));
    assertTrue(e.getMessage().contains("--gateway-url"), e.getMessage());
  }

  @Test
  void theEmbeddedStoreIsRefused() {
    SkiffdOptions o = new SkiffdOptions();
    o.store = "embedded";
    o.gatewayUrl = "http://127.0.0.1:8080";
    var e = assertThrows(IllegalArgumentException.class, () -> new EventingRole(o).settings());
    assertTrue(e.getMessage().contains("--store etcd://"), e.getMessage());
  }

  @Test
  void withoutAControlPlaneNoLagIsReported() {
    SkiffdOptions o = new SkiffdOptions();
    o.store = "etcd://127.0.0.1:2379";
    o.gatewayUrl = "http://127.0.0.1:8080";
    assertEquals(null, new EventingRole(o).settings().lag());
  }

  @Test
  void aControlPlaneWithoutItsTokenSaysWhichFlagIsMissing() {
    SkiffdOptions o = new SkiffdOptions();
    o.store = "etcd://127.0.0.1:2379";
    o.gatewayUrl = "http://127.0.0.1:8080";
    o.controlPlane = "127.0.0.1:7443";
    o.nodeName = "ev1";
    var e = assertThrows(IllegalArgumentException.class, () -> new EventingRole(o).settings());
    assertTrue(e.getMessage().contains("--bootstrap-token"), e.getMessage());
  }
}
