package dev.skiff.node.container.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.node.container.ContainerRuntimeException;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class SubnetChoiceTest {
  private static final Predicate<String> OWN = link -> link.matches("skabc[0-9]+");
  private static final List<String> CANDIDATES =
      List.of("10.109.0.0/16", "10.110.0.0/16", "10.111.0.0/16");

  private static final String ADDRS =
      String.join(
          "\n",
          "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever",
          "4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever",
          "");
  private static final String ROUTES =
      String.join(
          "\n",
          "default via 192.0.2.1 dev eth0 ",
          "192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2 ",
          "local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 ",
          "broadcast 192.0.2.255 dev eth0 table local proto kernel scope link src 192.0.2.2 ",
          "");

  private static SubnetChoice host(String extraAddrs, String extraRoutes) {
    return new SubnetChoice(
        SubnetChoice.parseAddresses(ADDRS + extraAddrs),
        SubnetChoice.parseRoutes(ROUTES + extraRoutes));
  }

  @Test
  void parsesAddressesAndRoutesOfIproute2() {
    List<SubnetChoice.HostAddress> addrs =
        SubnetChoice.parseAddresses(
            ADDRS + "7: sk76d0@if2    inet 10.109.0.1/30 scope global sk76d0\\  valid_lft forever");
    assertEquals(3, addrs.size());
    assertEquals("sk76d0", addrs.get(2).link());
    assertEquals("10.109.0.0/30", addrs.get(2).cidr().toString());

    List<SubnetChoice.HostRoute> routes =
        SubnetChoice.parseRoutes(
            ROUTES
                + "unreachable 10.109.0.0/16 \n"
                + "10.8.0.0/16 proto static \n"
                + "\tnexthop via 192.0.2.7 dev wg0 weight 1 \n"
                + "10.9.1.1 via 192.0.2.1 dev eth0 \n");
    assertEquals(8, routes.size());
    assertEquals("0.0.0.0/0", routes.get(0).destination().toString());
    SubnetChoice.HostRoute fence = routes.get(4);
    assertEquals("unreachable", fence.type());
    assertEquals("10.109.0.0/16", fence.destination().toString());
    assertNull(fence.link());
    assertEquals("wg0", routes.get(6).link());
    assertEquals("10.8.0.0/16", routes.get(6).destination().toString());
    assertEquals("10.9.1.1/32", routes.get(7).destination().toString());
  }

  @Test
  void refusesOutputItCannotParse() {
    ContainerRuntimeException e =
        assertThrows(
            ContainerRuntimeException.class,
            () -> SubnetChoice.parseAddresses("4: eth0 inet6 fe80::1/64 scope link"));
    assertTrue(e.getMessage().contains("inet6 fe80::1/64"), e.getMessage());
    assertThrows(
        ContainerRuntimeException.class, () -> SubnetChoice.parseRoutes("10.300.0.0/16 dev x"));
    assertThrows(
        ContainerRuntimeException.class, () -> SubnetChoice.parseRoutes("\tnexthop dev x"));
    assertThrows(ContainerRuntimeException.class, () -> SubnetChoice.parseRoutes("unreachable"));
    IllegalArgumentException bad =
        assertThrows(IllegalArgumentException.class, () -> SubnetChoice.Cidr.parse("10.64.0.0/x"));
    assertTrue(bad.getMessage().contains("prefix length"), bad.getMessage());
  }

  @Test
  void takesTheFirstCandidateWhenTheHostUsesNothingInIt() {
    assertEquals("10.109.0.0/16", host("", "").choose(CANDIDATES, OWN, false));
  }

  @Test
  void skipsACandidateHoldingAForeignAddress() {
    SubnetChoice h =
        host(
            "7: sk76d0    inet 10.109.0.1/30 scope global sk76d0\\  valid_lft forever\n",
            "10.109.0.0/30 dev sk76d0 proto kernel scope link src 10.109.0.1 \n");
    assertEquals("10.110.0.0/16", h.choose(CANDIDATES, OWN, false));
  }

  @Test
  void skipsACandidateThatAForeignRouteCovers() {
    // A VPN routing 10.96.0.0/11 (10.96 to 10.127) over its tunnel.
    SubnetChoice h = host("", "10.96.0.0/11 via 10.7.0.1 dev tun0 \n");
    ContainerRuntimeException e =
        assertThrows(ContainerRuntimeException.class, () -> h.choose(CANDIDATES, OWN, false));
    assertTrue(e.getMessage().contains("10.96.0.0/11 via 10.7.0.1 dev tun0"), e.getMessage());
    assertTrue(e.getMessage().contains("--pod-subnet"), e.getMessage());
    assertEquals("10.64.0.0/16", h.choose(List.of("10.109.0.0/16", "10.64.0.0/16"), OWN, false));
  }

  @Test
  void skipsACandidateInsideAForeignUnreachableRoute() {
    SubnetChoice h = host("", "unreachable 10.108.0.0/14 \n");
    assertEquals("10.112.0.0/16", h.choose(List.of("10.109.0.0/16", "10.112.0.0/16"), OWN, false));
  }

  @Test
  void takesAnExactUnreachableFenceForItsOwnWhenNoForeignLinkUsesTheRange() {
    SubnetChoice h =
        host(
            "7: skabc0    inet 10.109.0.1/30 scope global skabc0\\  valid_lft forever\n",
            "10.109.0.0/30 dev skabc0 proto kernel scope link src 10.109.0.1 \n"
                + "local 10.109.0.1 dev skabc0 table local proto kernel scope host src 10.109.0.1 \n"
                + "unreachable 10.109.0.0/16 \n");
    assertEquals("10.109.0.0/16", h.choose(CANDIDATES, OWN, false));
  }

  @Test
  void anUnreachableFenceWithAForeignLinkInItsRangeIsNotOurs() {
    // The incident: a killed skiffd of another tag left its links and its fence on 10.109.
    SubnetChoice h =
        host(
            "9: sk76d1    inet 10.109.0.5/30 scope global sk76d1\\  valid_lft forever\n",
            "10.109.0.4/30 dev sk76d1 proto kernel scope link src 10.109.0.5 \n"
                + "unreachable 10.109.0.0/16 \n");
    assertEquals("10.110.0.0/16", h.choose(CANDIDATES, OWN, false));
  }

  @Test
  void refusesAnExplicitSubnetInUseInsteadOfMovingIt() {
    SubnetChoice h = host("5: docker0    inet 10.110.3.1/24 scope global docker0\n", "");
    ContainerRuntimeException e =
        assertThrows(
            ContainerRuntimeException.class, () -> h.choose(List.of("10.110.0.0/16"), OWN, true));
    assertTrue(e.getMessage().contains("10.110.0.0/16 is in use"), e.getMessage());
    assertTrue(e.getMessage().contains("docker0"), e.getMessage());
    assertTrue(e.getMessage().contains("--pod-subnet"), e.getMessage());
    assertEquals("10.111.0.0/16", h.choose(List.of("10.111.0.0/16"), OWN, true));
  }

  @Test
  void failsNamingTheFirstConflictWhenEveryCandidateIsTaken() {
    SubnetChoice h = host("3: wlan0    inet 10.64.12.9/10 scope global wlan0\n", "");
    ContainerRuntimeException e =
        assertThrows(ContainerRuntimeException.class, () -> h.choose(CANDIDATES, OWN, false));
    assertTrue(e.getMessage().contains("no free container subnet"), e.getMessage());
    assertTrue(e.getMessage().contains("10.64.12.9/10 of link wlan0"), e.getMessage());
  }
}
