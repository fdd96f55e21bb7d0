package dev.skiff.controlplane.internal.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.Node;
import dev.skiff.api.model.NodeSpec;
import dev.skiff.api.model.Resources;
import dev.skiff.controlplane.EmbeddedStore;
import dev.skiff.testing.ManualClock;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ready from the lease, time driven by a hand clock over a real embedded store. */
class NodeLifecycleTest {
  private static final NodeSpec SPEC =
      new NodeSpec("10.0.0.5", new Resources("1073741824", "2000m"), List.of("wasm"));

  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  private EmbeddedStore store;
  private NodeRecords records;
  private NodeLifecycle lifecycle;

  @BeforeEach
  void open(@TempDir Path dir) throws Exception {
    store = await(EmbeddedStore.builder().withDataDir(dir).build().open());
    records = new NodeRecords(store, clock);
    lifecycle = new NodeLifecycle(records, clock, Duration.ofSeconds(10));
  }

  @AfterEach
  void close() throws Exception {
    await(store.close());
  }

  @Test
  void registeredNodeIsReady() throws Exception {
    await(lifecycle.register("n1", SPEC));
    assertTrue(ready("n1").isTrue());
  }

  @Test
  void nodeWithoutHeartbeatBecomesNotReadyAfterTheLease() throws Exception {
    await(lifecycle.register("n1", SPEC));
    clock.advance(Duration.ofSeconds(10));
    await(lifecycle.check());
    assertTrue(ready("n1").isTrue(), "the lease holds for its whole duration");
    clock.advance(Duration.ofMillis(1));
    await(lifecycle.check());
    Condition c = ready("n1");
    assertFalse(c.isTrue());
    assertEquals("LeaseExpired", c.reason());
    assertEquals(clock.instant(), c.lastTransitionTime());
  }

  @Test
  void heartbeatsTakenByAnotherControlPlaneKeepTheNodeReadyAndLive() throws Exception {
    // Two control planes on one store: the node registers and beats on the other one only.
    NodeLifecycle other = new NodeLifecycle(records, clock, Duration.ofSeconds(10));
    await(other.register("n1", SPEC));
    await(lifecycle.check());
    assertTrue(lifecycle.live("n1"), "a node registered elsewhere is live here after a check");
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofSeconds(4));
      await(other.heartbeat("n1"));
      await(lifecycle.check());
    }
    assertTrue(ready("n1").isTrue());
    assertTrue(lifecycle.live("n1"));
    clock.advance(Duration.ofSeconds(11));
    await(lifecycle.check());
    assertFalse(ready("n1").isTrue(), "without heartbeats anywhere the lease runs out");
    assertFalse(lifecycle.live("n1"));
    clock.advance(Duration.ofSeconds(1));
    await(lifecycle.check());
    assertEquals(
        "LeaseExpired", ready("n1").reason(), "an expired stored lease does not revive it");
  }

  @Test
  void heartbeatsKeepTheNodeReady() throws Exception {
    await(lifecycle.register("n1", SPEC));
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofSeconds(4));
      await(lifecycle.heartbeat("n1"));
      await(lifecycle.check());
    }
    assertTrue(ready("n1").isTrue());
  }

  @Test
  void heartbeatAfterExpiryMakesTheNodeReadyAgain() throws Exception {
    await(lifecycle.register("n1", SPEC));
    clock.advance(Duration.ofSeconds(11));
    await(lifecycle.check());
    assertFalse(ready("n1").isTrue());
    await(lifecycle.heartbeat("n1"));
    assertTrue(ready("n1").isTrue());
  }

  @Test
  void reRegistrationKeepsTheAdminsCordon() throws Exception {
    await(lifecycle.register("n1", SPEC));
    await(records.updateSpec("n1", s -> s.withCordoned(true)));
    await(lifecycle.register("n1", SPEC));
    Node n = await(records.node("n1")).orElseThrow();
    assertTrue(n.spec().cordoned());
  }

  @Test
  void startingControlPlaneGivesKnownNodesAFullLease() throws Exception {
    await(lifecycle.register("n1", SPEC));
    clock.advance(Duration.ofMinutes(5)); // the control plane was down meanwhile
    NodeLifecycle restarted = new NodeLifecycle(records, clock, Duration.ofSeconds(10));
    await(restarted.start());
    await(restarted.check());
    assertTrue(ready("n1").isTrue(), "not expired at once: the node gets a lease from the start");
    clock.advance(Duration.ofSeconds(11));
    await(restarted.check());
    assertFalse(ready("n1").isTrue());
  }

  private Condition ready(String name) throws Exception {
    return NodeRecords.readyCondition(await(records.node(name)).orElseThrow());
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
