package dev.skiff.controlplane.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.controlplane.nodes.Placement.Assigned;
import dev.skiff.controlplane.nodes.Placement.NodeState;
import dev.skiff.controlplane.nodes.Placement.Result;
import dev.skiff.controlplane.nodes.Placement.Want;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class PlacementTest {
  private static final long GI = 1L << 30;
  private final AtomicInteger ids = new AtomicInteger();
  private final Supplier<String> id = () -> "i-" + ids.incrementAndGet();

  private static NodeState node(String name) {
    return new NodeState(
        name, true, true, false, Set.of("wasm", "container"), 4000, 8 * GI, Set.of());
  }

  private static Want want(int n) {
    return new Want("default", "hello-00001", "wasm", 500, 256L << 20, "sha256:abc", n);
  }

  private Result place(List<NodeState> nodes, List<Assigned> current, Want... wants) {
    return Placement.place(nodes, current, List.of(wants), id, 1);
  }

  private static Map<String, Integer> perNode(Result r) {
    Map<String, Integer> m = new TreeMap<>();
    r.assignments().forEach(a -> m.merge(a.node(), 1, Integer::sum));
    return m;
  }

  @Test
  void spreadsARevisionEvenlyOverReadyNodes() {
    Result r = place(List.of(node("a"), node("b"), node("c")), List.of(), want(6));
    assertEquals(Map.of("a", 2, "b", 2, "c", 2), perNode(r));
    assertTrue(r.shortfalls().isEmpty());
  }

  @Test
  void countsRequestsAgainstCapacityNotInstances() {
    NodeState small =
        new NodeState("small", true, true, false, Set.of("wasm"), 1000, 8 * GI, Set.of());
    Result r = place(List.of(small, node("big")), List.of(), want(6));
    assertEquals(2, perNode(r).get("small"), "1000m holds two 500m instances, no more");
    assertEquals(4, perNode(r).get("big"));
  }

  @Test
  void neverPlacesOnANodeWhoseLeaseExpired() {
    NodeState down =
        new NodeState("down", false, true, false, Set.of("wasm"), 4000, 8 * GI, Set.of());
    Result r = place(List.of(down, node("up")), List.of(), want(3));
    assertEquals(Map.of("up", 3), perNode(r));
  }

  @Test
  void replacesInstancesOfALostNode() {
    List<Assigned> before =
        place(List.of(node("a"), node("b"), node("c")), List.of(), want(6)).assignments();
    NodeState lostB =
        new NodeState("b", false, true, false, Set.of("wasm"), 4000, 8 * GI, Set.of());
    Result r = place(List.of(node("a"), lostB, node("c")), before, want(6));
    assertEquals(Map.of("a", 3, "c", 3), perNode(r));
    for (Assigned a : before) {
      if (!a.node().equals("b")) {
        assertTrue(r.assignments().contains(a), "instances on live nodes stay: " + a);
      }
    }
  }

  @Test
  void prefersANodeThatHoldsTheModule() {
    NodeState warm =
        new NodeState(
            "warm", true, true, false, Set.of("wasm"), 4000, 8 * GI, Set.of("sha256:abc"));
    Result r = place(List.of(node("a-cold"), warm), List.of(), want(1));
    assertEquals(Map.of("warm", 1), perNode(r));
  }

  @Test
  void cordonedNodeKeepsItsInstancesAndGetsNoNewOnes() {
    List<Assigned> before = place(List.of(node("a"), node("b")), List.of(), want(2)).assignments();
    NodeState cordoned =
        new NodeState("a", true, false, false, Set.of("wasm"), 4000, 8 * GI, Set.of());
    Result r = place(List.of(cordoned, node("b")), before, want(4));
    assertEquals(Map.of("a", 1, "b", 3), perNode(r));
  }

  @Test
  void drainingNodeLosesItsInstances() {
    List<Assigned> before = place(List.of(node("a"), node("b")), List.of(), want(2)).assignments();
    NodeState draining =
        new NodeState("a", true, false, true, Set.of("wasm"), 4000, 8 * GI, Set.of());
    Result r = place(List.of(draining, node("b")), before, want(2));
    assertEquals(Map.of("b", 2), perNode(r));
  }

  @Test
  void onlyNodesRunningTheKindAreUsed() {
    NodeState wasmOnly =
        new NodeState("w", true, true, false, Set.of("wasm"), 4000, 8 * GI, Set.of());
    Want container = new Want("default", "img-00001", "container", 500, 256L << 20, "img", 2);
    Result r = place(List.of(wasmOnly, node("both")), List.of(), container);
    assertEquals(Map.of("both", 2), perNode(r));
  }

  @Test
  void scaleDownRemovesFromTheMostLoadedNodeFirst() {
    List<Assigned> current = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      current.add(new Assigned("a", "default", "hello-00001", "a" + i, "wasm", 500, 256L << 20));
    }
    current.add(new Assigned("b", "default", "hello-00001", "b0", "wasm", 500, 256L << 20));
    Result r = place(List.of(node("a"), node("b")), current, want(2));
    assertEquals(Map.of("a", 1, "b", 1), perNode(r));
  }

  @Test
  void rebalancesGentlyOneMovePerCall() {
    List<Assigned> before = place(List.of(node("a"), node("b")), List.of(), want(6)).assignments();
    Result r = place(List.of(node("a"), node("b"), node("c")), before, want(6));
    assertEquals(1, r.moves());
    assertEquals(1, perNode(r).getOrDefault("c", 0), "one instance moved to the new node");
    Result again = place(List.of(node("a"), node("b"), node("c")), r.assignments(), want(6));
    assertEquals(Map.of("a", 2, "b", 2, "c", 2), perNode(again));
    Result settled = place(List.of(node("a"), node("b"), node("c")), again.assignments(), want(6));
    assertEquals(0, settled.moves(), "a balanced spread stays put");
  }

  @Test
  void saysWhyInstancesCannotBePlaced() {
    NodeState tiny = new NodeState("t", true, true, false, Set.of("wasm"), 600, 8 * GI, Set.of());
    Result r = place(List.of(tiny), List.of(), want(3));
    assertEquals(1, r.assignments().size());
    assertEquals(2, r.shortfalls().get(0).missing());
    assertTrue(r.shortfalls().get(0).reason().contains("500m CPU"), r.shortfalls().toString());
    Result none = place(List.of(), List.of(), want(1));
    assertTrue(none.shortfalls().get(0).reason().contains("no node is Ready"));
  }

  @Test
  void revisionNoLongerWantedLosesItsInstances() {
    List<Assigned> before = place(List.of(node("a")), List.of(), want(2)).assignments();
    Result r = Placement.place(List.of(node("a")), before, List.of(), id, 1);
    assertTrue(r.assignments().isEmpty());
  }
}
