package dev.skiff.node.container.internal;

import java.util.BitSet;

/**
 * A subnet cut into /30 links, one per instance: {@code .1} on the node's side, {@code .2} in the
 * instance. Thread-safe.
 */
public final class AddressPool {
  private final int base;
  private final int bits;
  private final int slots;
  private final BitSet used = new BitSet();

  /**
   * @param cidr an IPv4 subnet, e.g. {@code 10.88.0.0/16}, of at least 4 addresses
   */
  public AddressPool(String cidr) {
    String[] parts = cidr.split("/");
    if (parts.length != 2) {
      throw new IllegalArgumentException("subnet '" + cidr + "' is not in a.b.c.d/n form");
    }
    int bits = Integer.parseInt(parts[1]);
    if (bits < 8 || bits > 30) {
      throw new IllegalArgumentException("subnet '" + cidr + "' must be between /8 and /30");
    }
    int mask = (int) (0xFFFFFFFFL << (32 - bits));
    this.base = parseIpv4(parts[0]) & mask;
    this.bits = bits;
    this.slots = 1 << (32 - bits - 2);
  }

  /** The subnet in canonical form (host bits zero). */
  public String cidr() {
    return format(base) + "/" + bits;
  }

  /** Takes the lowest free slot; throws when the subnet is exhausted. */
  public synchronized int allocate() {
    int slot = used.nextClearBit(0);
    if (slot >= slots) {
      throw new IllegalStateException(
          "all " + slots + " instance addresses are in use; configure a larger subnet");
    }
    used.set(slot);
    return slot;
  }

  public synchronized void release(int slot) {
    used.clear(slot);
  }

  public String hostAddress(int slot) {
    return format(base + slot * 4 + 1);
  }

  public String podAddress(int slot) {
    return format(base + slot * 4 + 2);
  }

  static int parseIpv4(String s) {
    String[] o = s.split("\\.");
    if (o.length != 4) {
      throw new IllegalArgumentException("'" + s + "' is not an IPv4 address");
    }
    int v = 0;
    for (String x : o) {
      int b = Integer.parseInt(x);
      if (b < 0 || b > 255) {
        throw new IllegalArgumentException("'" + s + "' is not an IPv4 address");
      }
      v = (v << 8) | b;
    }
    return v;
  }

  private static String format(int v) {
    return ((v >>> 24) & 255)
        + "."
        + ((v >>> 16) & 255)
        + "."
        + ((v >>> 8) & 255)
        + "."
        + (v & 255);
  }
}
