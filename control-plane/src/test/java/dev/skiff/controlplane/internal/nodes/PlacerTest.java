package dev.skiff.controlplane.internal.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.NodeSpec;
import dev.skiff.api.model.Resources;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Service;
import dev.skiff.controlplane.EmbeddedStore;
import dev.skiff.controlplane.internal.resources.Keys;
import dev.skiff.controlplane.internal.resources.Repository;
import dev.skiff.controlplane.nodes.Demand;
import dev.skiff.controlplane.spi.Store;
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

/** Placement rounds over a real embedded store: wants from services, assignments per node. */
class PlacerTest {
  private static final NodeSpec SPEC =
      new NodeSpec("10.0.0.5", new Resources("8Gi", "4"), List.of("wasm"));

  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  private EmbeddedStore store;
  private NodeRecords records;
  private NodeLifecycle lifecycle;
  private Placer placer;

  @BeforeEach
  void open(@TempDir Path dir) throws Exception {
    store = await(EmbeddedStore.builder().withDataDir(dir).build().open());
    records = new NodeRecords(store, clock);
    lifecycle = new NodeLifecycle(records, clock, Duration.ofSeconds(10));
    placer = new Placer(records, lifecycle);
    Repository repo = new Repository(store);
    Revision rev =
        Json.mapper()
            .readValue(
                "{\"metadata\":{\"name\":\"hello-00001\",\"namespace\":\"default\"},"
                    + "\"spec\":{\"service\":\"hello\",\"number\":1,\"template\":{"
                    + "\"wasm\":{\"digest\":\"sha256:"
                    + "a".repeat(64)
                    + "\"},\"resources\":{\"cpu\":\"500m\",\"memory\":\"256Mi\"},"
                    + "\"annotations\":{\"autoscaling.knative.dev/min-scale\":\"6\"}}}}",
                Revision.class);
    Service svc =
        Json.mapper()
            .readValue(
                "{\"metadata\":{\"name\":\"hello\",\"namespace\":\"default\"},"
                    + "\"spec\":{\"template\":{\"wasm\":{\"digest\":\"sha256:"
                    + "a".repeat(64)
                    + "\"}}},"
                    + "\"status\":{\"traffic\":[{\"revisionName\":\"hello-00001\",\"percent\":100}]}}",
                Service.class);
    await(repo.put(Keys.revision("default", "hello-00001"), rev, Store.ANY, Revision.class));
    await(repo.put(Keys.service("default", "hello"), svc, Store.ANY, Service.class));
  }

  @AfterEach
  void close() throws Exception {
    await(store.close());
  }

  @Test
  void spreadsMinScaleOverReadyNodesAndStoresAssignments() throws Exception {
    for (String n : List.of("a", "b", "c")) {
      await(lifecycle.register(n, SPEC));
    }
    await(placer.round());
    for (String n : List.of("a", "b", "c")) {
      List<NodeRecords.AssignmentRecord> list = await(records.assignments(n));
      assertEquals(2, list.size(), n + ": " + list);
      assertEquals(500, list.get(0).cpuMillis());
      assertEquals("wasm", list.get(0).kind());
    }
  }

  @Test
  void instancesOfANodeThatLostItsLeaseArePlacedElsewhere() throws Exception {
    for (String n : List.of("a", "b", "c")) {
      await(lifecycle.register(n, SPEC));
    }
    await(placer.round());
    clock.advance(Duration.ofSeconds(8));
    await(lifecycle.heartbeat("a"));
    await(lifecycle.heartbeat("b"));
    clock.advance(Duration.ofSeconds(3)); // c's lease ran out, a's and b's hold
    await(lifecycle.check());
    await(placer.round());
    assertTrue(await(records.assignments("c")).isEmpty());
    assertEquals(3, await(records.assignments("a")).size());
    assertEquals(3, await(records.assignments("b")).size());
  }

  @Test
  void autoscalerDecisionAboveMinScaleIsPlacedWithinNodeCapacity() throws Exception {
    for (String n : List.of("a", "b", "c")) {
      await(lifecycle.register(n, SPEC));
    }
    int[] decided = {9};
    Demand demand =
        new Demand() {
          @Override
          public int desired(String namespace, String revision) {
            return "hello-00001".equals(revision) ? decided[0] : -1;
          }

          @Override
          public java.util.Set<String> decided() {
            return java.util.Set.of("default/hello-00001");
          }
        };
    Placer scaled = new Placer(records, lifecycle, demand);
    await(scaled.round());
    assertEquals(9, total());
    decided[0] = 2; // below min-scale (6): min-scale holds
    await(scaled.round());
    assertEquals(6, total());
    decided[0] = 1000; // the node capacities (4 CPUs at 500m each: 8 per node) bound it
    await(scaled.round());
    assertEquals(24, total());
  }

  @Test
  void revisionOutOfTheRouteGetsOnlyWhatWasDecided() throws Exception {
    await(lifecycle.register("a", SPEC));
    Revision other =
        Json.mapper()
            .readValue(
                "{\"metadata\":{\"name\":\"old-00001\",\"namespace\":\"default\"},"
                    + "\"spec\":{\"service\":\"old\",\"number\":1,\"template\":{"
                    + "\"wasm\":{\"digest\":\"sha256:"
                    + "b".repeat(64)
                    + "\"},\"annotations\":{\"autoscaling.knative.dev/min-scale\":\"4\"}}}}",
                Revision.class);
    await(
        new Repository(store)
            .put(Keys.revision("default", "old-00001"), other, Store.ANY, Revision.class));
    Demand poked =
        new Demand() {
          @Override
          public int desired(String namespace, String revision) {
            return "old-00001".equals(revision) ? 1 : -1;
          }

          @Override
          public java.util.Set<String> decided() {
            return java.util.Set.of("default/old-00001");
          }
        };
    await(new Placer(records, lifecycle, poked).round());
    long old =
        await(records.assignments("a")).stream()
            .filter(x -> x.revision().equals("old-00001"))
            .count();
    assertEquals(1, old, "min-scale applies to routed revisions only");
  }

  private int total() throws Exception {
    int n = 0;
    for (String node : List.of("a", "b", "c")) {
      n += await(records.assignments(node)).size();
    }
    return n;
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
