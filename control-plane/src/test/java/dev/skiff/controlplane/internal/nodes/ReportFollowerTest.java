package dev.skiff.controlplane.internal.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.api.model.NodeSpec;
import dev.skiff.api.model.Resources;
import dev.skiff.controlplane.EmbeddedStore;
import dev.skiff.controlplane.nodes.RemoteInstances;
import dev.skiff.controlplane.nodes.ReportedInstance;
import dev.skiff.testing.ManualClock;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A control plane the node does not talk to learns its instances from the store: what another
 * control plane stored, filtered as the direct path filters it, withdrawn when the node is not
 * Ready.
 */
class ReportFollowerTest {
  private static final NodeSpec SPEC =
      new NodeSpec("10.0.0.5", new Resources("1073741824", "2000m"), List.of("wasm"));

  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final List<String> heard = new CopyOnWriteArrayList<>();
  private EmbeddedStore store;
  private NodeRecords records;
  private ReportFollower follower;

  @BeforeEach
  void open(@TempDir Path dir) throws Exception {
    store = await(EmbeddedStore.builder().withDataDir(dir).build().open());
    records = new NodeRecords(store, clock);
    follower =
        new ReportFollower(
            records,
            new RemoteInstances() {
              @Override
              public void reported(String node, List<ReportedInstance> instances) {
                heard.add(
                    node
                        + " "
                        + instances.stream()
                            .filter(ReportedInstance::ready)
                            .map(i -> i.instance() + "@" + i.host() + ":" + i.port())
                            .toList());
              }

              @Override
              public void lost(String node) {
                heard.add(node + " lost");
              }
            });
  }

  @AfterEach
  void close() throws Exception {
    follower.stop();
    await(store.close());
  }

  @Test
  void reportsStoredByAnotherControlPlaneAreServedHereUntilTheNodeIsNotReady() throws Exception {
    // The other control plane: registration, placement and the node's report, all stored.
    NodeLifecycle other = new NodeLifecycle(records, clock, Duration.ofSeconds(10));
    await(other.register("n1", SPEC));
    await(
        records.saveAssignments(
            "n1",
            List.of(
                new NodeRecords.AssignmentRecord(
                    "default", "hello-00001", "hello-00001-1", "wasm", 100, 1))));
    await(follower.start());
    await(
        records.saveInstances(
            "n1",
            List.of(
                instance("hello-00001", "i1", "10.0.0.5:4001"),
                instance("other-00001", "i2", "10.0.0.5:4002"), // not assigned here
                instance("hello-00001", "i3", "10.9.9.9:4003")))); // not the node's address
    poll(() -> heard.contains("n1 [i1@10.0.0.5:4001]"), "the held instance is served: " + heard);

    await(records.setReady("n1", false, "LeaseExpired", "no heartbeat"));
    poll(() -> heard.contains("n1 lost"), "a node that is not Ready is withdrawn: " + heard);
    int before = heard.size();
    await(records.saveInstances("n1", List.of(instance("hello-00001", "i1", "10.0.0.5:4001"))));
    await(records.setReady("n1", false, "LeaseExpired", "still none"));
    // A report of a node that is not Ready is not followed (checked after a later change is seen).
    await(records.setReady("n1", true, null, null));
    poll(() -> heard.size() > before, "Ready again: " + heard);
    assertEquals("n1 [i1@10.0.0.5:4001]", heard.get(before), heard.toString());
  }

  private static NodeRecords.InstanceRecord instance(String rev, String id, String endpoint) {
    return new NodeRecords.InstanceRecord("default", rev, id, "READY", endpoint, null, null);
  }

  private static void poll(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 30 s: " + what);
      }
      Thread.sleep(20);
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
