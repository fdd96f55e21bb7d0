package dev.skiff.controlplane.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.skiff.api.model.NodeSpec;
import dev.skiff.api.model.Resources;
import dev.skiff.controlplane.EmbeddedStore;
import dev.skiff.controlplane.internal.nodes.NodeRecords;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an edge learns of remote instances from the store alone: a Ready node's stored report,
 * filtered as the node port filters it, followed as it changes, withdrawn when the node stops being
 * Ready and given back when it is Ready again.
 */
class ClusterViewTest {
  private EmbeddedStore store;
  private ClusterView view;

  @AfterEach
  void stop() throws Exception {
    if (view != null) {
      view.close();
    }
    if (store != null) {
      await(store.close());
    }
  }

  @Test
  void followsAReadyNodesAssignedInstancesAtItsAddressAndDropsThemWhenItIsNotReady(
      @TempDir Path dir) throws Exception {
    store = await(EmbeddedStore.builder().withDataDir(dir).build().open());
    NodeRecords records = new NodeRecords(store, Clock.systemUTC());
    await(
        records.register(
            "n1", new NodeSpec("127.0.0.2", new Resources("1Gi", "1000m"), List.of("wasm"))));
    await(
        records.saveAssignments(
            "n1",
            List.of(
                new NodeRecords.AssignmentRecord(
                    "default", "hello-00001", "hello-00001-0", "wasm", 100, 128L << 20))));
    await(
        records.saveInstances(
            "n1",
            List.of(
                ready("hello-00001", "i1", "127.0.0.2:9000"),
                ready("other-00001", "i2", "127.0.0.2:9001"), // not assigned here: dropped
                ready("hello-00001", "i3", "10.9.9.9:9002")))); // not the node's address

    Recorder seen = new Recorder();
    view = new ClusterView(store);
    await(view.followInstances(seen));

    List<ReportedInstance> now = seen.last("n1");
    assertEquals(2, now.size(), now.toString());
    assertEquals("127.0.0.2", now.get(0).host());
    assertEquals(9000, now.get(0).port());
    assertEquals(true, now.get(0).ready());
    assertNull(now.get(1).host(), "an endpoint off the node's address is not followed");

    // A new report is followed as it is stored.
    await(records.saveInstances("n1", List.of(ready("hello-00001", "i4", "127.0.0.2:9004"))));
    poll(() -> seen.last("n1") != null && seen.last("n1").get(0).instance().equals("i4"), seen);

    // The node's connection closed: the control plane deleted its report; still Ready, it has no
    // instances to follow until it reports again.
    await(store.delete(NodeRecords.INSTANCES + "n1", dev.skiff.controlplane.spi.Store.ANY));
    poll(() -> seen.last("n1").isEmpty(), seen);
    await(records.saveInstances("n1", List.of(ready("hello-00001", "i4", "127.0.0.2:9004"))));
    poll(() -> seen.last("n1").size() == 1, seen);

    // The control plane marks the node NotReady (its lease ran out): its instances are withdrawn.
    await(records.setReady("n1", false, "LeaseExpired", "no heartbeat"));
    poll(() -> seen.lost.contains("n1"), seen);

    // Ready again: followed again.
    int before = seen.reportCount();
    await(records.setReady("n1", true, "Registered", null));
    poll(() -> seen.reportCount() > before && seen.last("n1").size() == 1, seen);
  }

  private static NodeRecords.InstanceRecord ready(String revision, String id, String endpoint) {
    return new NodeRecords.InstanceRecord(
        "default",
        revision,
        id,
        "READY",
        endpoint,
        "spiffe://skiff.local/ns/default/svc/" + revision.substring(0, revision.lastIndexOf('-')),
        null);
  }

  /** What the view told, in order. */
  private static final class Recorder implements RemoteInstances {
    private final List<String> events = new ArrayList<>();
    private final java.util.Map<String, List<ReportedInstance>> last = new java.util.HashMap<>();
    final List<String> lost = java.util.Collections.synchronizedList(new ArrayList<>());

    @Override
    public synchronized void reported(String node, List<ReportedInstance> instances) {
      events.add("reported " + node + " " + instances);
      last.put(node, instances);
    }

    @Override
    public synchronized void lost(String node) {
      events.add("lost " + node);
      lost.add(node);
    }

    synchronized List<ReportedInstance> last(String node) {
      return last.get(node);
    }

    synchronized int reportCount() {
      return (int) events.stream().filter(e -> e.startsWith("reported")).count();
    }

    @Override
    public synchronized String toString() {
      return events.toString();
    }
  }

  private static void poll(Supplier<Boolean> condition, Object state) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.get()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not reached within 20 s: " + state);
      }
      Thread.sleep(10);
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
