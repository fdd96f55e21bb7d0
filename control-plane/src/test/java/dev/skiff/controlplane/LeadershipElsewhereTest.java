package dev.skiff.controlplane;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.NodeSpec;
import dev.skiff.api.model.Resources;
import dev.skiff.controlplane.internal.nodes.NodeLifecycle;
import dev.skiff.controlplane.internal.nodes.NodeRecords;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A control plane whose singletons another leads: it checks no lease and places nothing until it
 * leads, does so while it leads, and stops again when it follows.
 */
class LeadershipElsewhereTest {
  private static final NodeSpec SPEC =
      new NodeSpec("10.0.0.5", new Resources("1073741824", "2000m"), List.of("wasm"));

  @TempDir Path dir;

  @Test
  void leaseChecksAndRolloutsRunOnlyBetweenLeadAndFollow() throws Exception {
    Vertx vertx = Vertx.vertx();
    EmbeddedStore store =
        ApiFixture.await(EmbeddedStore.builder().withDataDir(dir.resolve("store")).build().open());
    ControlPlane cp =
        ControlPlane.builder()
            .withVertx(vertx)
            .withStore(store)
            .withBlobDir(dir.resolve("blobs"))
            .withPort(0)
            .withNodePort("127.0.0.1", 0, Duration.ofSeconds(1))
            .withLeadershipElsewhere()
            .build();
    try {
      ApiFixture.await(cp.start());
      assertFalse(cp.leading(), "started as a follower");
      assertFalse(cp.nodePort().leading());

      // A node registered (on another control plane, say) whose lease then runs out.
      NodeRecords records = new NodeRecords(store, Clock.systemUTC());
      NodeLifecycle other = new NodeLifecycle(records, Clock.systemUTC(), Duration.ofSeconds(1));
      ApiFixture.await(other.register("n1", SPEC));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      while (System.nanoTime() < deadline) {
        assertTrue(ready(records), "a follower never marks a node NotReady");
        Thread.sleep(50);
      }

      ApiFixture.await(cp.lead());
      assertTrue(cp.leading());
      assertTrue(cp.nodePort().leading());
      // The leader gives it one full lease from now, then marks it NotReady.
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (ready(records)) {
        assertTrue(System.nanoTime() < until, "the leader never checked the node's lease");
        Thread.sleep(50);
      }

      cp.follow();
      assertFalse(cp.leading());
      assertFalse(cp.nodePort().leading());
      ApiFixture.await(cp.lead());
      assertTrue(cp.nodePort().leading(), "leading again after following");
    } finally {
      ApiFixture.await(cp.stop());
      ApiFixture.await(store.close());
      ApiFixture.await(vertx.close());
    }
  }

  private static boolean ready(NodeRecords records) throws Exception {
    return NodeRecords.readyCondition(ApiFixture.await(records.node("n1")).orElseThrow()).isTrue();
  }
}
