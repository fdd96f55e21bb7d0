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
    SubnetChoice.Cidr parsed = SubnetChoice.Cidr.parse(cidr);
    if (parsed.bits() < 8 || parsed.bits() > 30) {
      throw new IllegalArgumentException("subnet '" + cidr + "' must be between /8 and /30");
    }
    this.base = parsed.base();
    this.bits = parsed.bits();
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
