package dev.skiff.proxy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The peers whose forwarding headers ({@code X-Forwarded-For}, {@code Forwarded}, {@code
 * X-Forwarded-Proto}) are believed: a list of CIDR blocks, empty by default, so no client can claim
 * another address.
 */
public final class TrustedProxies {
  /** Trusts nobody. */
  public static final TrustedProxies NONE = new TrustedProxies(List.of(), "");

  private final List<Block> blocks;
  private final String text;

  private TrustedProxies(List<Block> blocks, String text) {
    this.blocks = blocks;
    this.text = text;
  }

  /**
   * Parses a comma-separated list of CIDR blocks or single addresses, e.g. {@code
   * 10.0.0.0/8,192.168.1.7,fd00::/8}; blank means none.
   *
   * @throws IllegalArgumentException naming the entry that is not a block
   */
  public static TrustedProxies parse(String list) {
    if (list == null || list.isBlank()) {
      return NONE;
    }
    List<Block> blocks = new ArrayList<>();
    for (String entry : list.split(",")) {
      String e = entry.trim();
      if (!e.isEmpty()) {
        blocks.add(Block.parse(e));
      }
    }
    return new TrustedProxies(List.copyOf(blocks), list.trim());
  }

  /** True when {@code ip} (a literal address) lies in one of the blocks. */
  public boolean trusts(String ip) {
    if (blocks.isEmpty() || ip == null || ip.isEmpty()) {
      return false;
    }
    byte[] addr = literal(ip);
    if (addr == null) {
      return false;
    }
    for (Block b : blocks) {
      if (b.contains(addr)) {
        return true;
      }
    }
    return false;
  }

  /** True when {@code s} is a literal IPv4 or IPv6 address. */
  public static boolean isAddress(String s) {
    return s != null && literal(s) != null;
  }

  public boolean isEmpty() {
    return blocks.isEmpty();
  }

  @Override
  public String toString() {
    return text.isEmpty() ? "none" : text;
  }

  /**
   * The bytes of a literal IPv4 or IPv6 address; null for anything else. IPv4 is read here, as four
   * decimal numbers without leading zeros: the JDK also takes {@code 1234} or {@code 010.0.0.1}
   * (which other parsers read as octal), and hands any other run of digits and dots to the system
   * resolver, a DNS lookup. IPv6 goes to the JDK only when it starts as a literal does, which the
   * JDK then parses or refuses without a lookup.
   */
  static byte[] literal(String ip) {
    String s = ip.trim();
    if (s.startsWith("[") && s.endsWith("]")) {
      s = s.substring(1, s.length() - 1);
    }
    if (s.isEmpty()) {
      return null;
    }
    if (s.indexOf(':') < 0) {
      return dottedQuad(s);
    }
    if (!(s.charAt(0) == ':' || Character.digit(s.charAt(0), 16) >= 0)
        || !s.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
      return null;
    }
    try {
      return InetAddress.getByName(s).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static byte[] dottedQuad(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] out = new byte[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty()
          || p.length() > 3
          || (p.length() > 1 && p.charAt(0) == '0')
          || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return null;
      }
      int v = Integer.parseInt(p);
      if (v > 255) {
        return null;
      }
      out[i] = (byte) v;
    }
    return out;
  }

  private record Block(byte[] network, int prefix) {
    static Block parse(String entry) {
      int slash = entry.indexOf('/');
      String addr = slash < 0 ? entry : entry.substring(0, slash);
      byte[] bytes = literal(addr);
      if (bytes == null) {
        throw new IllegalArgumentException(
            "trusted proxy '" + entry + "' is not an IP address or CIDR block, e.g. 10.0.0.0/8");
      }
      int prefix = bytes.length * 8;
      if (slash >= 0) {
        try {
          prefix = Integer.parseInt(entry.substring(slash + 1));
        } catch (NumberFormatException e) {
          prefix = -1;
        }
        if (prefix < 0 || prefix > bytes.length * 8) {
          throw new IllegalArgumentException(
              "trusted proxy '"
                  + entry
                  + "' has a bad prefix length; use 0 to "
                  + bytes.length * 8);
        }
      }
      return new Block(bytes, prefix);
    }

    boolean contains(byte[] addr) {
      if (addr.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (addr[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (addr[full] & mask) == (network[full] & mask);
    }
  }
}
