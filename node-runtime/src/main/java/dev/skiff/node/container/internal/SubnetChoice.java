package dev.skiff.node.container.internal;

import dev.skiff.node.container.ContainerRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Picks the subnet instance addresses come from: the first candidate that overlaps no IPv4 address
 * and no route of anything else on the host, so the pool's {@code unreachable} fence never covers a
 * LAN, VPN, Docker or Kubernetes network, nor the links of another skiffd (running, or killed and
 * not cleaned up).
 *
 * <p>What counts as this backend's own, and so does not make a candidate taken: addresses and
 * routes on its own links (its interface prefix followed by digits: leftovers of its earlier run,
 * which its reconcile removes), and an {@code unreachable} route with no device for exactly the
 * candidate (the fence its earlier run installed). That route is taken for ours only because
 * anything else that uses the range (another skiffd's links, a network) shows up as a foreign
 * address or route inside it and makes the candidate taken by itself; a fence left alone, with no
 * link in its range, guards nothing, and replacing it harms nobody. The default route and other /0
 * routes are ignored: they overlap everything and are what the fence is meant to override.
 */
public final class SubnetChoice {
  private static final Pattern LINK_NAME = Pattern.compile("[^\\s/@]{1,15}");
  private static final Set<String> ROUTE_TYPES =
      Set.of(
          "unicast",
          "local",
          "broadcast",
          "multicast",
          "throw",
          "unreachable",
          "prohibit",
          "blackhole",
          "nat",
          "anycast");

  /** An IPv4 address of a link as {@code ip} prints it ({@code a.b.c.d/n}), and its block. */
  public record HostAddress(String link, String address, Cidr cidr) {}

  /** A route: its type, destination and device (null for none, as for {@code unreachable}). */
  public record HostRoute(String type, Cidr destination, String link, String line) {}

  /** An IPv4 block. */
  public record Cidr(int base, int bits) {
    /** Parses {@code a.b.c.d/n} (or a bare address, a /32) strictly. */
    public static Cidr parse(String s) {
      String[] parts = s.split("/", -1);
      if (parts.length > 2) {
        throw new IllegalArgumentException("'" + s + "' is not an IPv4 block like 10.64.0.0/16");
      }
      int bits = 32;
      if (parts.length == 2) {
        if (!parts[1].matches("[0-9]{1,2}") || Integer.parseInt(parts[1]) > 32) {
          throw new IllegalArgumentException(
              "'" + s + "' has no prefix length from 0 to 32 after the '/'");
        }
        bits = Integer.parseInt(parts[1]);
      }
      String[] o = parts[0].split("\\.", -1);
      if (o.length != 4) {
        throw new IllegalArgumentException("'" + s + "' is not an IPv4 block like 10.64.0.0/16");
      }
      int v = 0;
      for (String x : o) {
        if (!x.matches("[0-9]{1,3}") || Integer.parseInt(x) > 255) {
          throw new IllegalArgumentException("'" + s + "' is not an IPv4 block like 10.64.0.0/16");
        }
        v = (v << 8) | Integer.parseInt(x);
      }
      return new Cidr(v & mask(bits), bits);
    }

    private static int mask(int bits) {
      return bits == 0 ? 0 : (int) (0xFFFFFFFFL << (32 - bits));
    }

    public boolean overlaps(Cidr o) {
      int m = mask(Math.min(bits, o.bits));
      return (base & m) == (o.base & m);
    }

    @Override
    public String toString() {
      return ((base >>> 24) & 255)
          + "."
          + ((base >>> 16) & 255)
          + "."
          + ((base >>> 8) & 255)
          + "."
          + (base & 255)
          + "/"
          + bits;
    }
  }

  private final List<HostAddress> addresses;
  private final List<HostRoute> routes;

  public SubnetChoice(List<HostAddress> addresses, List<HostRoute> routes) {
    this.addresses = List.copyOf(addresses);
    this.routes = List.copyOf(routes);
  }

  /** The host's addresses and routes now, from {@code ip}. Blocking. */
  public static SubnetChoice ofHost() {
    String addrs =
        Commands.run(List.of("ip", "-o", "-4", "addr", "show"), null, Duration.ofSeconds(10))
            .orThrow()
            .stdout();
    String routes =
        Commands.run(
                List.of("ip", "-4", "route", "show", "table", "all"), null, Duration.ofSeconds(10))
            .orThrow()
            .stdout();
    return new SubnetChoice(parseAddresses(addrs), parseRoutes(routes));
  }

  /**
   * Parses {@code ip -o -4 addr show}: {@code <index>: <link> inet <a.b.c.d/n> ...}, one a line.
   */
  public static List<HostAddress> parseAddresses(String output) {
    List<HostAddress> out = new ArrayList<>();
    for (String line : output.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.strip().split("\\s+");
      if (f.length < 4 || !f[0].matches("[0-9]+:") || !f[2].equals("inet")) {
        throw unparsable("ip -o -4 addr show", line);
      }
      out.add(new HostAddress(linkName(f[1], line, "ip -o -4 addr show"), f[3], cidr(f[3], line)));
    }
    return out;
  }

  /**
   * Parses {@code ip -4 route show table all}: {@code [type] <destination> [... dev <link> ...]},
   * one a line, the {@code nexthop} lines of a multipath route indented under it.
   */
  public static List<HostRoute> parseRoutes(String output) {
    List<HostRoute> out = new ArrayList<>();
    HostRoute last = null;
    for (String line : output.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.strip().split("\\s+");
      if (Character.isWhitespace(line.charAt(0))) {
        // A nexthop of the route above: one more device the destination is reached over.
        if (last == null || !f[0].equals("nexthop")) {
          throw unparsable("ip -4 route show table all", line);
        }
        String dev = device(f, line);
        if (dev != null) {
          out.add(new HostRoute(last.type(), last.destination(), dev, line));
        }
        continue;
      }
      int i = 0;
      String type = "unicast";
      if (ROUTE_TYPES.contains(f[0])) {
        type = f[0];
        i = 1;
      }
      if (i >= f.length) {
        throw unparsable("ip -4 route show table all", line);
      }
      Cidr dst = f[i].equals("default") ? new Cidr(0, 0) : cidr(f[i], line);
      last = new HostRoute(type, dst, device(f, line), line.strip());
      out.add(last);
    }
    return out;
  }

  /**
   * The first candidate nothing else uses.
   *
   * @param candidates subnets in order of preference
   * @param ownLinks whether a link name is one of this backend's own
   * @param explicit whether the subnet was configured by hand (then there is one candidate, and it
   *     is refused rather than moved)
   * @throws ContainerRuntimeException naming, for each candidate, what uses it and how to fix it
   */
  public String choose(
      List<String> candidates, java.util.function.Predicate<String> ownLinks, boolean explicit) {
    if (candidates.isEmpty()) {
      throw new IllegalArgumentException("no candidate subnets");
    }
    String firstConflict = null;
    for (String c : candidates) {
      Cidr cidr = Cidr.parse(c);
      String conflict = conflict(cidr, ownLinks);
      if (conflict == null) {
        return cidr.toString();
      }
      if (firstConflict == null) {
        firstConflict = conflict;
      }
      if (explicit) {
        throw new ContainerRuntimeException(
            "the container subnet "
                + cidr
                + " is in use on this host: "
                + conflict
                + "; choose a subnet nothing on the host uses (skiffd: --pod-subnet CIDR, env"
                + " SKIFF_POD_SUBNET), or remove what uses it");
      }
    }
    throw new ContainerRuntimeException(
        "no free container subnet among the "
            + candidates.size()
            + " candidates ("
            + candidates.get(0)
            + (candidates.size() > 1 ? " to " + candidates.get(candidates.size() - 1) : "")
            + "), each overlaps an address or route on this host, the first: "
            + firstConflict
            + "; give a free one by hand (skiffd: --pod-subnet CIDR, env SKIFF_POD_SUBNET), or"
            + " remove what uses them (for leftovers of a killed skiffd: ip link del <link>)");
  }

  /** What of anything else's overlaps {@code subnet}, or null when nothing does. */
  String conflict(Cidr subnet, java.util.function.Predicate<String> ownLinks) {
    for (HostAddress a : addresses) {
      if (!ownLinks.test(a.link()) && a.cidr().overlaps(subnet)) {
        return "address " + a.address() + " of link " + a.link();
      }
    }
    for (HostRoute r : routes) {
      if (r.destination().bits() == 0 || !r.destination().overlaps(subnet)) {
        continue;
      }
      if (r.link() == null) {
        if (r.type().equals("unreachable") && r.destination().equals(subnet)) {
          continue; // the fence of an earlier run: see the class comment
        }
        return "route '" + r.line() + "'";
      }
      if (!ownLinks.test(r.link())) {
        return "route '" + r.line() + "' of link " + r.link();
      }
    }
    return null;
  }

  private static String device(String[] f, String line) {
    for (int i = 0; i < f.length - 1; i++) {
      if (f[i].equals("dev")) {
        return linkName(f[i + 1], line, "ip -4 route show table all");
      }
    }
    return null;
  }

  private static String linkName(String field, String line, String command) {
    String name = field.endsWith(":") ? field.substring(0, field.length() - 1) : field;
    int at = name.indexOf('@');
    if (at > 0) {
      name = name.substring(0, at);
    }
    if (!LINK_NAME.matcher(name).matches()) {
      throw unparsable(command, line);
    }
    return name;
  }

  private static Cidr cidr(String field, String line) {
    try {
      return Cidr.parse(field);
    } catch (IllegalArgumentException e) {
      throw new ContainerRuntimeException(
          "cannot read an IPv4 block in '" + line.strip() + "': " + e.getMessage(), e);
    }
  }

  private static ContainerRuntimeException unparsable(String command, String line) {
    return new ContainerRuntimeException(
        "cannot parse this line of `"
            + command
            + "` (an iproute2 this version of skiff does not know?): '"
            + line.strip()
            + "'");
  }
}
