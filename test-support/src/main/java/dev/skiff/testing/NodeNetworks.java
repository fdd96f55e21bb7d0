package dev.skiff.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Network namespaces standing for machines, made by a test: each "node" gets a namespace of its own
 * with a veth pair to the root namespace and an address of its own on a /24 the harness picks free
 * on this host (in 10.250.0.0/16, clear of skiffd's pod subnets in 10.64.0.0/10); the root
 * namespace gets one more address on that /24 ({@link #hostAddress()}, on {@code lo}) that every
 * node reaches, for whatever runs in the root namespace (a control plane, gateways). A node's
 * process runs inside its namespace by {@link Node#command}; {@link Node#cut()} takes the node's
 * end of its link down, so packets between it and everything else are dropped without a reset, as
 * when a machine's cable is pulled.
 *
 * <p>Cleanup is certain: every name carries a per-run prefix with the test JVM's pid ({@code
 * skn{pid hex}}), {@link #close()} (and a shutdown hook) removes namespaces, links and the address,
 * and {@link #create} first sweeps what runs whose JVM is gone left behind (killing processes still
 * inside their namespaces). Needs root and {@code ip} (iproute2).
 */
public final class NodeNetworks implements AutoCloseable {
  private static final String IP = "/usr/sbin/ip";
  private static final Pattern PREFIX = Pattern.compile("skn([0-9a-f]{6})");

  private final String prefix;
  private final int subnet; // the third octet: 10.250.{subnet}.0/24
  private final List<Node> nodes = new ArrayList<>();
  private final Thread hook;
  private boolean closed;

  /** One node's namespace, its veth pair and its address. */
  public final class Node {
    private final int index;

    private Node(int index) {
      this.index = index;
    }

    /** The namespace's name. */
    public String namespace() {
      return prefix + "-n" + index;
    }

    /** The node's address, on its end of the link, reachable from the root namespace. */
    public String address() {
      return "10.250." + subnet + "." + (4 * index + 2);
    }

    /** The root namespace's end of the link, as the node's default gateway. */
    String peerAddress() {
      return "10.250." + subnet + "." + (4 * index + 1);
    }

    String hostLink() {
      return prefix + "h" + index;
    }

    String nodeLink() {
      return prefix + "n" + index;
    }

    /**
     * {@code command} run inside the namespace ({@code ip netns exec}; the pid is the command's).
     */
    public List<String> command(List<String> command) {
      List<String> full = new ArrayList<>(List.of(IP, "netns", "exec", namespace()));
      full.addAll(command);
      return full;
    }

    /**
     * Cuts the link: the node's end goes down, so nothing passes either way and nobody is told (no
     * reset, no ICMP); established connections hang until a timeout notices.
     */
    public void cut() {
      ip("netns", "exec", namespace(), IP, "link", "set", nodeLink(), "down");
    }

    /** Mends a {@link #cut()} link. */
    public void mend() {
      ip("netns", "exec", namespace(), IP, "link", "set", nodeLink(), "up");
      ip("netns", "exec", namespace(), IP, "route", "replace", "default", "via", peerAddress());
    }
  }

  private NodeNetworks(String prefix, int subnet) {
    this.prefix = prefix;
    this.subnet = subnet;
    this.hook = new Thread(this::removeAll, "node-networks-cleanup");
  }

  /**
   * Skips (or in CI fails) the calling test unless it runs as root with {@code ip}; sweeps
   * leftovers of earlier runs; makes {@code count} namespaces (at most 60).
   */
  public static NodeNetworks create(int count) {
    Prerequisites.requireRoot("network namespaces and veth pairs");
    Prerequisites.requireExecutable(Path.of(IP), "apt-get install iproute2");
    if (count < 1 || count > 60) {
      throw new IllegalArgumentException("between 1 and 60 nodes, not " + count);
    }
    sweepLeftovers();
    String prefix = String.format(Locale.ROOT, "skn%06x", ProcessHandle.current().pid() & 0xffffff);
    NodeNetworks n = new NodeNetworks(prefix, freeSubnet());
    Runtime.getRuntime().addShutdownHook(n.hook);
    try {
      n.ip("addr", "add", n.hostAddress() + "/32", "dev", "lo", "label", "lo:" + prefix);
      for (int i = 1; i <= count; i++) {
        n.nodes.add(n.makeNode(i));
      }
    } catch (RuntimeException e) {
      n.close();
      throw e;
    }
    return n;
  }

  /** Where nodes reach the root namespace (an address on its {@code lo}). */
  public String hostAddress() {
    return "10.250." + subnet + ".254";
  }

  /** Node {@code i}, counted from 1. */
  public Node node(int i) {
    return nodes.get(i - 1);
  }

  public List<Node> nodes() {
    return List.copyOf(nodes);
  }

  /** The per-run prefix of every name this harness made. */
  public String prefix() {
    return prefix;
  }

  private Node makeNode(int i) {
    Node node = new Node(i);
    String ns = node.namespace();
    ip("netns", "add", ns);
    ip("link", "add", node.hostLink(), "type", "veth", "peer", "name", node.nodeLink());
    ip("link", "set", node.nodeLink(), "netns", ns);
    ip("addr", "add", node.peerAddress() + "/30", "dev", node.hostLink());
    ip("link", "set", node.hostLink(), "up");
    ip("netns", "exec", ns, IP, "link", "set", "lo", "up");
    ip("netns", "exec", ns, IP, "addr", "add", node.address() + "/30", "dev", node.nodeLink());
    ip("netns", "exec", ns, IP, "link", "set", node.nodeLink(), "up");
    ip("netns", "exec", ns, IP, "route", "add", "default", "via", node.peerAddress());
    return node;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
    removeAll();
  }

  private void removeAll() {
    removeRun(prefix);
  }

  /** Removes everything named with {@code prefix}; what is already gone is no error. */
  private static void removeRun(String prefix) {
    for (String ns : lines(IP, "netns", "list")) {
      String name = ns.split("\\s+")[0];
      if (name.startsWith(prefix + "-")) {
        for (String pid : lines(IP, "netns", "pids", name)) {
          ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
        }
        quietly(IP, "netns", "delete", name); // takes the node ends of the veth pairs with it
      }
    }
    for (String link : lines(IP, "-o", "link", "show")) {
      // "12: skn00abcdh1@if11: <...>"
      String[] parts = link.split(":\\s+", 3);
      if (parts.length > 1) {
        String name = parts[1].split("@")[0];
        if (name.startsWith(prefix)) {
          quietly(IP, "link", "delete", name);
        }
      }
    }
    for (String addr : lines(IP, "-o", "-4", "addr", "show", "dev", "lo")) {
      if (addr.contains("lo:" + prefix)) {
        Matcher m = Pattern.compile("inet (\\S+)").matcher(addr);
        if (m.find()) {
          quietly(IP, "addr", "del", m.group(1), "dev", "lo");
        }
      }
    }
  }

  /** Removes the namespaces, links and addresses of runs whose test JVM no longer runs. */
  static void sweepLeftovers() {
    List<String> names = new ArrayList<>();
    lines(IP, "netns", "list").forEach(l -> names.add(l.split("\\s+")[0]));
    for (String l : lines(IP, "-o", "link", "show")) {
      String[] parts = l.split(":\\s+", 3);
      if (parts.length > 1) {
        names.add(parts[1].split("@")[0]);
      }
    }
    for (String l : lines(IP, "-o", "-4", "addr", "show", "dev", "lo")) {
      Matcher m = Pattern.compile("lo:(skn[0-9a-f]{6})").matcher(l);
      if (m.find()) {
        names.add(m.group(1));
      }
    }
    long self = ProcessHandle.current().pid() & 0xffffff;
    for (String name : names) {
      Matcher m = PREFIX.matcher(name);
      if (!m.lookingAt()) {
        continue;
      }
      long pid = Long.parseLong(m.group(1), 16);
      boolean alive =
          pid != self && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
      if (!alive && pid != self) {
        removeRun(m.group());
      }
    }
  }

  /** A /24 in 10.250.0.0/16 that no address or route of this host overlaps. */
  private static int freeSubnet() {
    List<String> taken = new ArrayList<>();
    taken.addAll(lines(IP, "-o", "-4", "addr", "show"));
    taken.addAll(lines(IP, "-4", "route", "show", "table", "all"));
    int start = ThreadLocalRandom.current().nextInt(256);
    for (int k = 0; k < 256; k++) {
      int candidate = (start + k) % 256;
      if (taken.stream().noneMatch(line -> overlaps(line, candidate))) {
        return candidate;
      }
    }
    throw new IllegalStateException("no free /24 in 10.250.0.0/16 on this host");
  }

  /** Whether an address or route in {@code line} overlaps 10.250.{c}.0/24. */
  private static boolean overlaps(String line, int c) {
    Matcher m = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)\\.(\\d+)(?:/(\\d+))?").matcher(line);
    long mine = (10L << 24) | (250L << 16) | ((long) c << 8);
    while (m.find()) {
      long a =
          (Long.parseLong(m.group(1)) << 24)
              | (Long.parseLong(m.group(2)) << 16)
              | (Long.parseLong(m.group(3)) << 8)
              | Long.parseLong(m.group(4));
      int len = m.group(5) == null ? 32 : Integer.parseInt(m.group(5));
      if (len == 0) {
        continue; // a default route overlaps everything and takes nothing
      }
      int shorter = Math.min(len, 24);
      long mask = (0xffffffffL << (32 - shorter)) & 0xffffffffL;
      if ((a & mask) == (mine & mask)) {
        return true;
      }
    }
    return false;
  }

  private void ip(String... args) {
    List<String> command = new ArrayList<>(List.of(IP));
    command.addAll(List.of(args));
    Result r = run(command);
    if (r.exit != 0) {
      throw new IllegalStateException(
          String.join(" ", command) + " failed (exit " + r.exit + "): " + r.output);
    }
  }

  private static void quietly(String... command) {
    run(List.of(command));
  }

  private static List<String> lines(String... command) {
    Result r = run(List.of(command));
    return r.exit == 0 ? r.output.lines().filter(l -> !l.isBlank()).toList() : List.of();
  }

  private record Result(int exit, String output) {}

  private static Result run(List<String> command) {
    try {
      Path out = Files.createTempFile("node-networks", ".out");
      try {
        Process p =
            new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          return new Result(-1, "timed out after 30 s");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command, e);
    }
  }
}
