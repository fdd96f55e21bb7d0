package dev.skiff.node.container.internal;

import dev.skiff.node.container.ContainerRuntimeException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One network namespace per instance, joined to the node by a veth pair on a /30 from the pool: the
 * node reaches the instance at its pod address, and nothing else can. The instance's routing table
 * holds only that /30, so the node's other addresses and the outside world have no route; its
 * 127.0.0.1 is its own loopback; and an nftables table rejects every connection the instance opens
 * to the node's end of the link, answering only connections the node opened. Uses iproute2 and nft.
 * Blocking.
 */
public final class PodNetwork {
  private static final Path NETNS_DIR = Path.of("/run/netns");
  private static final Path SYS_NET = Path.of("/sys/class/net");
  private static final Duration OPER_UP_PATIENCE = Duration.ofSeconds(2);
  // Instance keys never hold '@', so a spare's namespace cannot be taken for an instance's.
  private static final String SPARE = "spare@";

  /** An instance's place on the network. */
  public record Attachment(
      String netns, String link, int slot, String hostAddress, String podAddress) {
    public Path netnsPath() {
      return NETNS_DIR.resolve(netns);
    }
  }

  private final String netnsPrefix;
  private final String linkPrefix;
  private final AddressPool pool;
  private final String subnet;
  private final String firewallTable;
  // Links and namespaces of attachments made and not yet detached (spares among them), so a
  // reconcile never takes a half-made or a prepared one.
  private final Set<String> active = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final Set<String> activeNetns = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final Spares spares;
  private final BetweenStarts between;

  /**
   * @param scope names this backend's namespaces ({@code <scope>-<key>}) and nftables table
   * @param linkPrefix names the node's ends of the veth pairs ({@code <prefix><slot>}), at most 9
   *     characters so the name fits the kernel's 15
   * @param firewall whether to install the nftables table
   */
  public PodNetwork(String scope, String linkPrefix, String subnet, boolean firewall) {
    this(scope, linkPrefix, subnet, firewall, 0);
  }

  /**
   * @param spares how many attachments to keep prepared ahead (see {@link #attach}); 0 for none
   */
  public PodNetwork(String scope, String linkPrefix, String subnet, boolean firewall, int spares) {
    this(
        scope,
        linkPrefix,
        subnet,
        firewall,
        spares,
        // A settle of 20 ms: the activator hands a ready container its first request in process,
        // so little follows a start's end, and under a stream of cold starts the gaps between
        // them are tens of milliseconds. With 100 ms the spares were missing on 18-74 % of the
        // bench's cold starts (each then made its own namespace), with 20 ms on 9-20 %.
        new BetweenStarts(Duration.ofMillis(20), Duration.ofSeconds(5)));
  }

  /**
   * @param between when spares are made and released attachments removed: between starts
   */
  public PodNetwork(
      String scope,
      String linkPrefix,
      String subnet,
      boolean firewall,
      int spares,
      BetweenStarts between) {
    if (linkPrefix.length() > 9) {
      throw new IllegalArgumentException("interface prefix '" + linkPrefix + "' is longer than 9");
    }
    this.netnsPrefix = scope + "-";
    this.linkPrefix = linkPrefix;
    this.pool = new AddressPool(subnet);
    this.subnet = this.pool.cidr();
    this.firewallTable = firewall ? scope.replaceAll("[^A-Za-z0-9_]", "_") : null;
    this.between = between;
    this.spares = new Spares(spares, () -> make(null), this::detach, between);
  }

  /**
   * The instance's namespace and link: a spare prepared ahead when there is one (its namespace is
   * named {@code <scope>-spare@<slot>}, since it was made before the instance was known), else one
   * made now as {@code <scope>-<key>}. Either way it is new, used by this instance only, and
   * removed by {@link #detach}. On failure nothing is left behind.
   */
  public Attachment attach(String key) {
    Attachment spare = spares.take();
    return spare != null ? spare : make(netnsPrefix + key);
  }

  /** Where this network's deferrable work waits for a moment without starts. */
  public BetweenStarts between() {
    return between;
  }

  /**
   * Starts keeping spares prepared, on a thread of their own so making them never delays a start.
   */
  public void startSpares() {
    spares.start();
  }

  /** The spares waiting to be taken. */
  public List<Attachment> spares() {
    return spares.waiting();
  }

  /** How many starts took a spare. */
  public long sparesTaken() {
    return spares.taken();
  }

  /** How many starts found no spare and made their own attachment. */
  public long sparesMissed() {
    return spares.missed();
  }

  /**
   * Stops preparing spares, removes those prepared and the attachments released and not yet
   * removed.
   */
  public void closeSpares() {
    between.close();
    spares.close();
  }

  /**
   * Removes an instance's attachment {@linkplain BetweenStarts between starts}: until then its
   * namespace and link stay, owned (a reconcile leaves them alone) and used by nobody, and its
   * address stays taken. After {@link #closeSpares}, at once.
   */
  public void release(Attachment a) {
    between.runBetweenStarts("remove network namespace " + a.netns(), () -> detach(a));
  }

  private Attachment make(String netnsName) {
    int slot = pool.allocate();
    Attachment a =
        new Attachment(
            netnsName == null ? netnsPrefix + SPARE + slot : netnsName,
            linkPrefix + slot,
            slot,
            pool.hostAddress(slot),
            pool.podAddress(slot));
    active.add(a.link());
    activeNetns.add(a.netns());
    try {
      // One ip process for the node's side (iproute2 returns to the node's namespace after a
      // batch's "netns add"), one inside the new namespace: each process costs milliseconds.
      ip(
          List.of("-batch", "-"),
          "netns add "
              + a.netns()
              + "\n"
              + "link add "
              + a.link()
              + " type veth peer name eth0 netns "
              + a.netns()
              + "\n"
              + "addr add "
              + a.hostAddress()
              + "/30 dev "
              + a.link()
              + "\n"
              + "link set "
              + a.link()
              + " up\n");
      // No IPv6 on the node's end: a link-local address there would be one more way in.
      writeSysctl(Path.of("/proc/sys/net/ipv6/conf", a.link(), "disable_ipv6"), "1");
      ip(
          List.of("-n", a.netns(), "-batch", "-"),
          "addr add "
              + a.podAddress()
              + "/30 dev eth0\n"
              + "link set eth0 up\n"
              + "link set lo up\n");
      awaitOperUp(a.link());
      return a;
    } catch (RuntimeException e) {
      try {
        detach(a);
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** Removes the instance's link and namespace and frees its address; missing pieces are fine. */
  public void detach(Attachment a) {
    try {
      removeLink(a.link());
      removeNetns(a.netns());
    } finally {
      active.remove(a.link());
      activeNetns.remove(a.netns());
      pool.release(a.slot());
    }
  }

  /**
   * Fences instances off: an {@code unreachable} route for the whole subnet, so traffic for an
   * instance whose link is gone fails at once instead of following the default route off the node;
   * and (when enabled) the nftables table that rejects connections instances open to the node. With
   * {@code outbound}, an instance's UDP 53 and TCP 80 to the node's end of its own link are
   * redirected to the ports its name service and outbound listener listen on, and accepted there
   * only when so redirected: the destination must be an address of the very link the packet came in
   * on ({@code fib daddr . iif type local}), so no instance reaches another's, nor any other
   * address or port of the node. Idempotent.
   *
   * @param outbound the ports of the instances' doors, or null for none
   */
  public void installFence(OutboundPorts outbound) {
    // Each instance's connected /30 is more specific, so this only catches addresses without a
    // link.
    Commands.run(List.of("ip", "route", "replace", "unreachable", subnet)).orThrow();
    if (firewallTable == null) {
      return;
    }
    String any = "\"" + linkPrefix + "*\"";
    String t = "inet " + firewallTable;
    // One nft transaction: create so the delete cannot fail, delete the old rules, add the new.
    String script =
        "table "
            + t
            + "\n"
            + "delete table "
            + t
            + "\n"
            + "table "
            + t
            + " {\n"
            + "  chain input {\n"
            + "    type filter hook input priority -10; policy accept;\n"
            + "    iifname "
            + any
            + " ct state established,related accept\n"
            + (outbound == null
                ? ""
                : accept(any, "udp", 53, outbound.dns()) + accept(any, "tcp", 80, outbound.http()))
            + "    iifname "
            + any
            + " reject\n"
            + "  }\n"
            + (outbound == null
                ? ""
                : "  chain prerouting {\n"
                    + "    type nat hook prerouting priority dstnat; policy accept;\n"
                    + redirect(any, "udp", 53, outbound.dns())
                    + redirect(any, "tcp", 80, outbound.http())
                    + "  }\n")
            + "  chain forward {\n"
            + "    type filter hook forward priority -10; policy accept;\n"
            + "    iifname "
            + any
            + " drop\n"
            + "    oifname "
            + any
            + " drop\n"
            + "  }\n"
            + "}\n";
    Commands.run(List.of("nft", "-f", "-"), script, Duration.ofSeconds(10)).orThrow();
  }

  /** The ports the instances' doors listen on, which their 53 and 80 are redirected to. */
  public record OutboundPorts(int dns, int http) {
    public OutboundPorts {
      if (dns < 1 || dns > 65535 || http < 1 || http > 65535) {
        throw new IllegalArgumentException(
            "outbound ports must be 1 to 65535, not " + dns + " and " + http);
      }
    }
  }

  private static String redirect(String links, String proto, int from, int to) {
    return from == to
        ? ""
        : "    iifname "
            + links
            + " fib daddr . iif type local "
            + proto
            + " dport "
            + from
            + " redirect to :"
            + to
            + "\n";
  }

  /** Accepts {@code to} on the link's own address, only as the redirect of {@code from}. */
  private static String accept(String links, String proto, int from, int to) {
    return "    iifname "
        + links
        + " fib daddr . iif type local "
        + proto
        + " dport "
        + to
        + (from == to ? "" : " ct status dnat")
        + " accept\n";
  }

  public void removeFence() {
    Commands.run(List.of("ip", "route", "del", "unreachable", subnet));
    if (firewallTable != null) {
      Commands.run(List.of("nft", "delete", "table", "inet", firewallTable));
    }
  }

  /**
   * Keys of the namespaces this backend named that no current attachment owns: left over, or the
   * key part of a spare left by an earlier run ({@code spare@<slot>}).
   */
  public Set<String> namespaceKeys() {
    Set<String> out = new TreeSet<>();
    if (!Files.isDirectory(NETNS_DIR)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(NETNS_DIR, netnsPrefix + "*")) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        if (!activeNetns.contains(name)) {
          out.add(name.substring(netnsPrefix.length()));
        }
      }
    } catch (IOException e) {
      throw new ContainerRuntimeException("cannot list " + NETNS_DIR + ": " + e.getMessage(), e);
    }
    return out;
  }

  public String netnsName(String key) {
    return netnsPrefix + key;
  }

  /** Names of node-side links with this backend's prefix that no current attachment owns. */
  public Set<String> strayLinks() {
    Set<String> out = links();
    out.removeAll(active);
    return out;
  }

  /** Names of every node-side link this backend named. */
  public Set<String> links() {
    Set<String> out = new TreeSet<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(SYS_NET, linkPrefix + "*")) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        if (name.substring(linkPrefix.length()).matches("[0-9]+")) {
          out.add(name);
        }
      }
    } catch (IOException e) {
      throw new ContainerRuntimeException("cannot list " + SYS_NET + ": " + e.getMessage(), e);
    }
    return out;
  }

  public void removeLink(String link) {
    if (Files.exists(SYS_NET.resolve(link))) {
      Commands.Result r = Commands.run(List.of("ip", "link", "del", link));
      if (!r.ok() && Files.exists(SYS_NET.resolve(link))) {
        r.orThrow();
      }
    }
  }

  public void removeNetns(String netns) {
    if (Files.exists(NETNS_DIR.resolve(netns))) {
      Commands.Result r = Commands.run(List.of("ip", "netns", "del", netns));
      if (!r.ok() && Files.exists(NETNS_DIR.resolve(netns))) {
        r.orThrow();
      }
    }
  }

  /**
   * Waits until the kernel reports the new link operational. Until its link-watch work has run, a
   * fresh veth can drop the first packets, and a readiness probe sent then waits a whole SYN
   * retransmission (1 s); measured here on about one link in forty.
   */
  private static void awaitOperUp(String link) {
    Path state = SYS_NET.resolve(link).resolve("operstate");
    long deadline = System.nanoTime() + OPER_UP_PATIENCE.toNanos();
    try {
      while (!Files.readString(state).strip().equals("up") && System.nanoTime() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(200_000);
      }
    } catch (IOException e) {
      throw new ContainerRuntimeException("cannot read " + state + ": " + e.getMessage(), e);
    }
  }

  private static void ip(List<String> args, String stdin) {
    List<String> argv = new java.util.ArrayList<>();
    argv.add("ip");
    argv.addAll(args);
    Commands.run(argv, stdin, Duration.ofSeconds(10)).orThrow();
  }

  private static void writeSysctl(Path file, String value) {
    if (!Files.exists(file)) {
      return;
    }
    try {
      Files.writeString(file, value);
    } catch (IOException e) {
      throw new ContainerRuntimeException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
