package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.stats.RevisionKey;
import dev.skiff.api.stats.Stat;
import dev.skiff.controlplane.EmbeddedStore;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two skiffd's relays on one (embedded) store: each autoscaler gets the other's stats. */
class StatsRelayTest {
  private static final RevisionKey HELLO = RevisionKey.of("default", "hello-00001");

  private final Vertx vertx = Vertx.vertx();
  private EmbeddedStore store;

  @BeforeEach
  void open(@TempDir Path dir) throws Exception {
    store =
        EmbeddedStore.builder()
            .withDataDir(dir)
            .build()
            .open()
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws Exception {
    store.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void statsAndPokesReceivedByOneReachTheOtherOnceAndNotBack() throws Exception {
    List<Stat> statsA = new CopyOnWriteArrayList<>();
    List<Stat> statsB = new CopyOnWriteArrayList<>();
    List<String> pokesA = new CopyOnWriteArrayList<>();
    List<String> pokesB = new CopyOnWriteArrayList<>();
    StatsRelay a =
        StatsRelay.shared(statsA::add, (ns, rev) -> pokesA.add(ns + "/" + rev), vertx, store, "a");
    StatsRelay b =
        StatsRelay.shared(statsB::add, (ns, rev) -> pokesB.add(ns + "/" + rev), vertx, store, "b");
    await(a.start());
    await(b.start());

    Stat node =
        new Stat(
            HELLO, "n1/hello-00001-1", Instant.parse("2026-01-01T00:00:00Z"), 3, 0, 5, 7, 0, 9);
    a.record(node);
    a.record(
        new Stat(HELLO, Stat.ACTIVATOR, Instant.parse("2026-01-01T00:00:00Z"), 1, 1, 1, 2, 2, 9));
    a.poke("default", "hello-00001");

    assertEquals(2, statsA.size(), "recorded here at once");
    assertEquals(List.of("default/hello-00001"), pokesA);
    poll(() -> statsB.size() == 2 && pokesB.size() == 1, "the other gets both stats and the poke");
    assertEquals(node, statsB.get(0));
    assertEquals("activator@a", statsB.get(1).instance(), "activators named apart by their skiffd");
    assertEquals(List.of("default/hello-00001"), pokesB);

    // B's own stat goes to A, and A's do not come back to A.
    b.record(
        new Stat(
            HELLO, "n2/hello-00001-1", Instant.parse("2026-01-01T00:00:01Z"), 1, 0, 1, 1, 0, 1));
    poll(() -> statsA.size() == 3, "A gets B's stat");
    assertEquals(3, statsB.size(), "B recorded its own once");
    assertTrue(statsA.stream().noneMatch(s -> s.instance().startsWith("activator@")));

    await(a.stop());
    await(b.stop());
    assertEquals(
        List.of(), store.list(StatsRelay.PREFIX).toCompletionStage().toCompletableFuture().get());
  }

  private static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
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
}
