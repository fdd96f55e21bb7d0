package dev.skiff.proxy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TrustedProxiesTest {

  @Test
  void trustsAddressesInsideItsBlocksOnly() {
    TrustedProxies t = TrustedProxies.parse("10.0.0.0/8, 192.168.1.7, fd00::/8");

    assertTrue(t.trusts("10.1.2.3"));
    assertTrue(t.trusts("192.168.1.7"));
    assertTrue(t.trusts("fd00::1"));
    assertTrue(t.trusts("[fd00::1]"));
    assertTrue(t.trusts("::ffff:10.1.2.3"), "an IPv4-mapped IPv6 peer is its IPv4 address");
    assertFalse(t.trusts("11.0.0.1"));
    assertFalse(t.trusts("192.168.1.8"));
    assertFalse(t.trusts("fe80::1"));
  }

  /**
   * Forms the JDK reads as IPv4 but other parsers read differently or not at all (a single number,
   * leading zeros that some read as octal), and strings of digits and dots that are no address,
   * which the JDK hands to the system resolver: a DNS lookup on an event loop, for every such hop
   * of an X-Forwarded-For header. None is an address.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {"1234", "10.1", "010.0.0.1", "1.2.3.4.5", "999.1.1.1", "1.2.3.", ".1.2.3", ".:1"})
  void onlyDottedDecimalQuadsAreIpv4Addresses(String s) {
    assertFalse(TrustedProxies.isAddress(s), s);
    assertFalse(TrustedProxies.parse("0.0.0.0/0, ::/0").trusts(s), s);
    assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse(s));
  }

  @Test
  void badPrefixIsRefusedWithTheRange() {
    var e = assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse("10.0.0.0/33"));
    assertTrue(e.getMessage().contains("0 to 32"), e.getMessage());
  }
}
