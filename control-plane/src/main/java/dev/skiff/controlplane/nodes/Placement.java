package dev.skiff.controlplane.nodes;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Where instances run: a pure function from the nodes, the current assignments and how many
 * instances each revision wants, to the next assignments. No I/O and no clock: whether a node holds
 * its lease is decided before (a node with an expired lease comes in with {@code ready} false).
 *
 * <p>Rules, in order:
 *
 * <ol>
 *   <li>An instance stays where it is while its node is Ready, not draining, runs its kind and the
 *       revision still wants it; a revision over its count loses instances from the nodes holding
 *       most of it first.
 *   <li>Missing instances go, one at a time, to a Ready, schedulable node that runs the kind and
 *       has the requests free (capacity counts requests, not instances): the node holding fewest of
 *       that revision's instances first (spread), then one that already holds the image or module,
 *       then the one with most CPU free, then by name.
 *   <li>Rebalancing is gentle: at most {@code maxMoves} instances move per call, each from the node
 *       holding most of a revision to one holding at least two fewer that fits it.
 * </ol>
 */
public final class Placement {
  private Placement() {}

  /**
   * A node as placement sees it.
   *
   * @param ready holds its lease (false for an expired one: never placed on)
   * @param schedulable neither cordoned nor draining
   * @param draining its instances must go elsewhere
   * @param kinds {@code wasm}, {@code container}
   * @param cached image references or module digests the node already holds
   */
  public record NodeState(
      String name,
      boolean ready,
      boolean schedulable,
      boolean draining,
      Set<String> kinds,
      long cpuMillis,
      long memoryBytes,
      Set<String> cached) {}

  /**
   * What a revision wants.
   *
   * @param artifact the image reference or module digest, for the cache preference
   * @param instances how many instances it wants
   */
  public record Want(
      String namespace,
      String revision,
      String kind,
      long cpuMillis,
      long memoryBytes,
      String artifact,
      int instances) {
    String key() {
      return namespace + "/" + revision;
    }
  }

  /** One instance on one node. */
  public record Assigned(
      String node,
      String namespace,
      String revision,
      String instance,
      String kind,
      long cpuMillis,
      long memoryBytes) {
    String key() {
      return namespace + "/" + revision;
    }
  }

  /** A revision short of instances, and why. */
  public record Shortfall(String namespace, String revision, int missing, String reason) {}

  /** The next assignments and what could not be placed. */
  public record Result(List<Assigned> assignments, List<Shortfall> shortfalls, int moves) {}

  /**
   * Computes the next assignments.
   *
   * @param newInstanceId names new instances (unique across the cluster)
   * @param maxMoves how many instances may move to rebalance in this call
   */
  public static Result place(
      List<NodeState> nodes,
      List<Assigned> current,
      List<Want> wants,
      Supplier<String> newInstanceId,
      int maxMoves) {
    Map<String, NodeState> byName = new LinkedHashMap<>();
    nodes.stream()
        .sorted(Comparator.comparing(NodeState::name))
        .forEach(n -> byName.put(n.name(), n));
    Map<String, Want> wanted = new LinkedHashMap<>();
    wants.forEach(w -> wanted.put(w.key(), w));
    Map<String, long[]> used = new HashMap<>(); // node -> {cpu, memory}
    byName.keySet().forEach(n -> used.put(n, new long[2]));

    // 1. Keep what may stay.
    List<Assigned> kept = new ArrayList<>();
    for (Assigned a : current) {
      NodeState n = byName.get(a.node());
      Want w = wanted.get(a.key());
      if (n != null && n.ready() && !n.draining() && w != null && n.kinds().contains(a.kind())) {
        kept.add(a);
        add(used, a.node(), a.cpuMillis(), a.memoryBytes());
      }
    }
    for (Want w : wanted.values()) {
      List<Assigned> mine = of(kept, w.key());
      while (mine.size() > w.instances()) {
        Assigned drop =
            mine.stream()
                .max(
                    Comparator.comparingLong((Assigned a) -> count(mine, a.node()))
                        .thenComparing(Assigned::node)
                        .thenComparing(Assigned::instance))
                .orElseThrow();
        mine.remove(drop);
        kept.remove(drop);
        add(used, drop.node(), -drop.cpuMillis(), -drop.memoryBytes());
      }
    }

    // 2. Place what is missing.
    List<Shortfall> shortfalls = new ArrayList<>();
    for (Want w : wanted.values()) {
      int missing = w.instances() - of(kept, w.key()).size();
      for (int i = 0; i < missing; i++) {
        NodeState best = best(byName.values(), kept, used, w, null);
        if (best == null) {
          shortfalls.add(
              new Shortfall(
                  w.namespace(), w.revision(), missing - i, why(byName.values(), used, w)));
          break;
        }
        Assigned a =
            new Assigned(
                best.name(),
                w.namespace(),
                w.revision(),
                newInstanceId.get(),
                w.kind(),
                w.cpuMillis(),
                w.memoryBytes());
        kept.add(a);
        add(used, best.name(), w.cpuMillis(), w.memoryBytes());
      }
    }

    // 3. Rebalance gently.
    int moves = 0;
    for (Want w : wanted.values()) {
      while (moves < maxMoves) {
        List<Assigned> mine = of(kept, w.key());
        Assigned from =
            mine.stream()
                .max(
                    Comparator.comparingLong((Assigned a) -> count(mine, a.node()))
                        .thenComparing(Assigned::node))
                .orElse(null);
        if (from == null) {
          break;
        }
        long most = count(mine, from.node());
        NodeState to = best(byName.values(), kept, used, w, from.node());
        if (to == null || count(mine, to.name()) > most - 2) {
          break;
        }
        kept.remove(from);
        add(used, from.node(), -from.cpuMillis(), -from.memoryBytes());
        kept.add(
            new Assigned(
                to.name(),
                from.namespace(),
                from.revision(),
                newInstanceId.get(),
                from.kind(),
                from.cpuMillis(),
                from.memoryBytes()));
        add(used, to.name(), from.cpuMillis(), from.memoryBytes());
        moves++;
      }
    }
    return new Result(List.copyOf(kept), List.copyOf(shortfalls), moves);
  }

  private static NodeState best(
      Iterable<NodeState> nodes,
      List<Assigned> kept,
      Map<String, long[]> used,
      Want w,
      String except) {
    List<Assigned> mine = of(kept, w.key());
    NodeState best = null;
    for (NodeState n : nodes) {
      if (n.name().equals(except) || !fits(n, used, w)) {
        continue;
      }
      if (best == null || better(n, best, mine, used, w)) {
        best = n;
      }
    }
    return best;
  }

  private static boolean fits(NodeState n, Map<String, long[]> used, Want w) {
    long[] u = used.get(n.name());
    return n.ready()
        && n.schedulable()
        && !n.draining()
        && n.kinds().contains(w.kind())
        && n.cpuMillis() - u[0] >= w.cpuMillis()
        && n.memoryBytes() - u[1] >= w.memoryBytes();
  }

  /** Whether {@code a} is a better home than {@code b} for one more instance of {@code w}. */
  private static boolean better(
      NodeState a, NodeState b, List<Assigned> mine, Map<String, long[]> used, Want w) {
    long ca = count(mine, a.name());
    long cb = count(mine, b.name());
    if (ca != cb) {
      return ca < cb;
    }
    boolean ha = w.artifact() != null && a.cached().contains(w.artifact());
    boolean hb = w.artifact() != null && b.cached().contains(w.artifact());
    if (ha != hb) {
      return ha;
    }
    long fa = a.cpuMillis() - used.get(a.name())[0];
    long fb = b.cpuMillis() - used.get(b.name())[0];
    if (fa != fb) {
      return fa > fb;
    }
    return a.name().compareTo(b.name()) < 0;
  }

  private static String why(Iterable<NodeState> nodes, Map<String, long[]> used, Want w) {
    int ready = 0;
    int runsKind = 0;
    for (NodeState n : nodes) {
      if (n.ready() && n.schedulable() && !n.draining()) {
        ready++;
        if (n.kinds().contains(w.kind())) {
          runsKind++;
        }
      }
    }
    if (ready == 0) {
      return "no node is Ready and schedulable (all down, cordoned or draining)";
    }
    if (runsKind == 0) {
      return "no Ready, schedulable node runs " + w.kind();
    }
    return "no Ready node that runs "
        + w.kind()
        + " has "
        + w.cpuMillis()
        + "m CPU and "
        + w.memoryBytes()
        + " bytes of memory free";
  }

  private static List<Assigned> of(List<Assigned> all, String key) {
    List<Assigned> out = new ArrayList<>();
    for (Assigned a : all) {
      if (a.key().equals(key)) {
        out.add(a);
      }
    }
    return out;
  }

  private static long count(List<Assigned> list, String node) {
    return list.stream().filter(a -> Objects.equals(a.node(), node)).count();
  }

  private static void add(Map<String, long[]> used, String node, long cpu, long mem) {
    long[] u = used.get(node);
    if (u != null) {
      u[0] += cpu;
      u[1] += mem;
    }
  }
}
