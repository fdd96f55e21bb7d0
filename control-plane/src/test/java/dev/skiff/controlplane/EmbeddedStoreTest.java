package dev.skiff.controlplane;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.controlplane.spi.Entry;
import dev.skiff.controlplane.spi.Store;
import dev.skiff.controlplane.spi.StoreEvent;
import dev.skiff.controlplane.spi.Watch;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the embedded store adds to the contract: files, recovery, snapshots, speed. */
class EmbeddedStoreTest {
  @TempDir Path dir;

  private EmbeddedStore open() throws Exception {
    return await(EmbeddedStore.builder().withDataDir(dir).build().open());
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void historyKeepsAtMostItsBytesOfValuesAndWatchesFromBeyondAreToldToListAgain() throws Exception {
    EmbeddedStore store =
        await(EmbeddedStore.builder().withDataDir(dir).withHistoryBytes(3_000).build().open());
    byte[] kib = new byte[1000];
    Entry first = await(store.put("/w/a", kib, Store.ANY));
    Entry second = await(store.put("/w/a", kib, Store.ANY));
    for (int i = 0; i < 3; i++) {
      await(store.put("/w/b", kib, Store.ANY));
    }

    // The last three changes (3,000 bytes) are kept: from the second write on, a watch replays
    // them.
    List<StoreEvent> replayed = new java.util.concurrent.CopyOnWriteArrayList<>();
    Watch kept = store.watch("/w/", second.modRevision(), replayed::add);
    await(kept.started());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (replayed.size() < 3 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(3, replayed.size());
    kept.cancel();

    // From the first write on, the changes after it are no longer all there.
    Watch gone = store.watch("/w/", first.modRevision(), e -> {});
    ExecutionException failed =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExecutionException.class, () -> await(gone.started()));
    assertInstanceOf(CompactedException.class, failed.getCause());
    await(store.close());
  }

  @Test
  void byDefaultHistoryKeepsHalfAMebibyteOfValuesAndWatchesFromBeyondAreToldToListAgain()
      throws Exception {
    EmbeddedStore store = open();
    byte[] value = new byte[1000];
    Entry first = await(store.put("/w/a", value, Store.ANY));
    Entry from = first;
    for (int i = 1; i < 600; i++) {
      Entry e = await(store.put("/w/" + (i % 50), value, Store.ANY));
      if (i == 99) {
        from = e;
      }
    }

    // 500 changes of 1,000 bytes after the 100th are within 512 KiB: a watch replays them all.
    List<StoreEvent> replayed = new java.util.concurrent.CopyOnWriteArrayList<>();
    Watch kept = store.watch("/w/", from.modRevision(), replayed::add);
    await(kept.started());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (replayed.size() < 500 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(500, replayed.size());
    kept.cancel();

    // 599 changes after the first are not: that watcher lists again, as after etcd's compaction.
    Watch gone = store.watch("/w/", first.modRevision(), e -> {});
    ExecutionException failed =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExecutionException.class, () -> await(gone.started()));
    assertInstanceOf(CompactedException.class, failed.getCause());
    await(store.close());
  }

  @Test
  void aChangeLargerThanTheHistoryIsStillWatchable() throws Exception {
    EmbeddedStore store =
        await(EmbeddedStore.builder().withDataDir(dir).withHistoryBytes(10).build().open());
    long before = await(store.revision());
    await(store.put("/w/big", new byte[100], Store.ANY));

    List<StoreEvent> replayed = new java.util.concurrent.CopyOnWriteArrayList<>();
    Watch w = store.watch("/w/", before, replayed::add);
    await(w.started());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (replayed.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(1, replayed.size());
    w.cancel();
    await(store.close());
  }

  @Test
  void tornTailIsCutOffAndEveryWholeRecordSurvives() throws Exception {
    EmbeddedStore store = open();
    for (int i = 0; i < 10; i++) {
      await(store.put("/k/" + i, ("v" + i).getBytes(UTF_8), Store.ANY));
    }
    await(store.close());
    Path segment = onlySegment();
    long whole = Files.size(segment);
    // A crash mid-append: half of a further record made it to disk.
    try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.APPEND)) {
      ch.write(ByteBuffer.wrap(new byte[] {0, 0, 0, 40, 1, 2, 3, 4, 5, 6, 7}));
    }
    store = open();
    assertEquals(10, await(store.list("/k/")).size());
    assertEquals(whole, Files.size(segment), "the torn bytes are gone");
    await(store.put("/k/after", "x".getBytes(UTF_8), Store.ABSENT));
    await(store.close());
    store = open();
    assertEquals(11, await(store.list("/k/")).size());
    await(store.close());
  }

  @Test
  void recordWithBadChecksumAtTheTailIsCutOff() throws Exception {
    EmbeddedStore store = open();
    await(store.put("/k/a", "aaaa".getBytes(UTF_8), Store.ANY));
    await(store.put("/k/b", "bbbb".getBytes(UTF_8), Store.ANY));
    await(store.close());
    Path segment = onlySegment();
    byte[] bytes = Files.readAllBytes(segment);
    bytes[bytes.length - 1] ^= 0x55; // flip bits in the last record's value
    Files.write(segment, bytes);
    store = open();
    assertEquals(List.of("/k/a"), await(store.list("/k/")).stream().map(Entry::key).toList());
    await(store.close());
  }

  @Test
  void logIsCompactedIntoSnapshotsAndReopensFromThem() throws Exception {
    EmbeddedStore store =
        await(EmbeddedStore.builder().withDataDir(dir).withSegmentBytes(8 * 1024).build().open());
    byte[] value = new byte[500];
    for (int i = 0; i < 200; i++) {
      Arrays.fill(value, (byte) i);
      await(store.put("/k/" + (i % 50), value, Store.ANY));
    }
    await(store.delete("/k/0", Store.ANY));
    long revision = await(store.revision());
    await(store.close());
    assertTrue(Files.exists(dir.resolve("snapshot.bin")));
    assertTrue(segments().size() <= 2, "covered segments are deleted: " + segments());
    store = open();
    assertEquals(revision, await(store.revision()));
    assertEquals(49, await(store.list("/k/")).size());
    assertEquals((byte) 199, await(store.get("/k/49")).orElseThrow().value()[0]);
    await(store.close());
  }

  @Test
  void secondOpenOfTheSameDirectoryFails() throws Exception {
    EmbeddedStore store = open();
    try {
      ExecutionException e =
          org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, this::open);
      assertInstanceOf(StoreException.class, e.getCause());
    } finally {
      await(store.close());
    }
  }

  @Test
  void writesAfterCloseFailWithStoreClosed() throws Exception {
    EmbeddedStore store = open();
    await(store.close());
    try {
      await(store.put("/a", new byte[1], Store.ANY));
      throw new AssertionError("put after close succeeded");
    } catch (ExecutionException e) {
      assertInstanceOf(StoreClosedException.class, e.getCause());
    }
  }

  @Test
  void concurrentWritesShareFsyncs() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    EmbeddedStore store =
        await(EmbeddedStore.builder().withDataDir(dir).withMeterRegistry(registry).build().open());
    var fsync = registry.get("skiff.store.fsync").timer();
    int n = 200;
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      await(store.put("/seq/" + i, new byte[100], Store.ANY));
    }
    long sequential = System.nanoTime() - start;
    long syncsBefore = fsync.count();
    List<Future<Entry>> acks = new ArrayList<>();
    start = System.nanoTime();
    for (int i = 0; i < 5 * n; i++) {
      acks.add(store.put("/par/" + i, new byte[100], Store.ANY));
    }
    for (Future<Entry> f : acks) {
      await(f);
    }
    long concurrent = System.nanoTime() - start;
    long syncs = fsync.count() - syncsBefore;
    System.out.printf(
        "[store] one writer at a time: %.0f writes/s (one fsync each, mean %.2f ms); "
            + "%d in flight: %.0f writes/s with %d fsyncs%n",
        n * 1e9 / sequential,
        fsync.mean(TimeUnit.MILLISECONDS),
        5 * n,
        5 * n * 1e9 / concurrent,
        syncs);
    assertTrue(syncs < 5 * n, "group commit shares fsyncs: " + syncs);
    await(store.close());
  }

  @Test
  void reopenAfterCompactionRestoresTenThousandServicesFromTheSnapshotNotTheLog() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    EmbeddedStore store =
        await(EmbeddedStore.builder().withDataDir(dir).withMeterRegistry(registry).build().open());
    int services = 10_000;
    byte[] value = new byte[3 * 1024];
    Arrays.fill(value, (byte) 'x');
    long start = System.nanoTime();
    List<Future<Entry>> acks = new ArrayList<>();
    for (int i = 0; i < services; i++) {
      acks.add(
          store.put(String.format("/skiff/services/default/svc-%05d", i), value, Store.ABSENT));
    }
    for (Future<Entry> f : acks) {
      await(f);
    }
    long writeNanos = System.nanoTime() - start;
    var fsync = registry.get("skiff.store.fsync").timer();
    System.out.printf(
        "[store] %d puts of 3 KiB, pipelined: %.0f ms, %.0f writes/s, %d fsyncs (mean %.2f ms)%n",
        services,
        writeNanos / 1e6,
        services * 1e9 / writeNanos,
        fsync.count(),
        fsync.mean(TimeUnit.MILLISECONDS));
    await(store.close());

    SimpleMeterRegistry beforeCompaction = new SimpleMeterRegistry();
    long fromLog = timeReopen(services, beforeCompaction);
    assertEquals(services, recovered(beforeCompaction, "log"));
    assertEquals(0, recovered(beforeCompaction, "snapshot"));

    store = open();
    await(store.compact());
    await(store.close());
    SimpleMeterRegistry afterCompaction = new SimpleMeterRegistry();
    long fromSnapshot = timeReopen(services, afterCompaction);
    assertEquals(services, recovered(afterCompaction, "snapshot"));
    assertEquals(0, recovered(afterCompaction, "log"));
    // Informational only: speed is measured in bench/, never asserted.
    System.out.printf(
        "[store] reopen with %d services (%d MiB): %.1f ms from the log, %.1f ms from a snapshot%n",
        services, services * value.length >> 20, fromLog / 1e6, fromSnapshot / 1e6);
  }

  private static double recovered(SimpleMeterRegistry registry, String source) {
    return registry.get("skiff.store.recovered").tag("source", source).counter().count();
  }

  private long timeReopen(int expected, SimpleMeterRegistry registry) throws Exception {
    long start = System.nanoTime();
    EmbeddedStore store =
        await(EmbeddedStore.builder().withDataDir(dir).withMeterRegistry(registry).build().open());
    long nanos = System.nanoTime() - start;
    assertEquals(expected, await(store.list("/skiff/services/")).size());
    await(store.close());
    return nanos;
  }

  private List<Path> segments() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
    }
  }

  private Path onlySegment() throws IOException {
    List<Path> all = segments();
    assertEquals(1, all.size(), all.toString());
    return all.get(0);
  }
}
