package dev.skiff.controlplane.spi;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.controlplane.CompactedException;
import dev.skiff.controlplane.Listing;
import dev.skiff.controlplane.StaleRevisionException;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Store} keeps. Subclass it per implementation (embedded, etcd); the
 * subclass says how to open a fresh store, reopen it after close, and compact its history.
 */
public abstract class StoreContractTest {
  protected Store store;

  /** A new, empty store. */
  protected abstract Store openStore() throws Exception;

  /** The same store's data opened again after {@code closed} was closed. */
  protected abstract Store reopen(Store closed) throws Exception;

  /** Drops the store's history up to its current revision, as etcd's compact. */
  protected abstract void compact(Store s) throws Exception;

  @BeforeEach
  void open() throws Exception {
    store = openStore();
  }

  @AfterEach
  void close() throws Exception {
    if (store != null) {
      await(store.close());
    }
  }

  protected static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  protected static Throwable failure(Future<?> f) throws Exception {
    try {
      await(f);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure");
  }

  protected static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  protected static String s(Entry e) {
    return new String(e.value(), UTF_8);
  }

  @Test
  void putThenGetReturnsTheValueWithItsRevisions() throws Exception {
    Entry put = await(store.put("/a", b("one"), Store.ANY));
    Entry got = await(store.get("/a")).orElseThrow();
    assertEquals("one", s(got));
    assertEquals(put.modRevision(), got.modRevision());
    assertEquals(put.modRevision(), got.createRevision());
    assertTrue(await(store.get("/missing")).isEmpty());
  }

  @Test
  void updateKeepsCreateRevisionAndMovesModRevision() throws Exception {
    Entry first = await(store.put("/a", b("one"), Store.ABSENT));
    Entry second = await(store.put("/a", b("two"), first.modRevision()));
    assertEquals(first.createRevision(), second.createRevision());
    assertTrue(second.modRevision() > first.modRevision());
  }

  @Test
  void listReturnsOnlyThePrefixSortedByKey() throws Exception {
    for (String k : List.of("/s/c", "/s/a", "/t/x", "/s/b", "/r")) {
      await(store.put(k, b(k), Store.ANY));
    }
    List<String> keys = await(store.list("/s/")).stream().map(Entry::key).toList();
    assertEquals(List.of("/s/a", "/s/b", "/s/c"), keys);
    Listing<Entry> listing = await(store.listing("/s/"));
    assertEquals(await(store.revision()), listing.revision());
  }

  @Test
  void deleteRemovesTheKeyAndSaysWhetherItExisted() throws Exception {
    await(store.put("/a", b("one"), Store.ANY));
    assertTrue(await(store.delete("/a", Store.ANY)));
    assertTrue(await(store.get("/a")).isEmpty());
    assertFalse(await(store.delete("/a", Store.ANY)));
  }

  @Test
  void putAbsentConflictsWhenTheKeyExists() throws Exception {
    await(store.put("/a", b("one"), Store.ABSENT));
    Throwable t = failure(store.put("/a", b("two"), Store.ABSENT));
    assertInstanceOf(StaleRevisionException.class, t);
    assertEquals("one", s(await(store.get("/a")).orElseThrow()));
  }

  @Test
  void putWithTheExactRevisionSucceedsAndAStaleOneConflicts() throws Exception {
    Entry v1 = await(store.put("/a", b("one"), Store.ABSENT));
    Entry v2 = await(store.put("/a", b("two"), v1.modRevision()));
    StaleRevisionException stale =
        assertInstanceOf(
            StaleRevisionException.class, failure(store.put("/a", b("three"), v1.modRevision())));
    assertEquals(v2.modRevision(), stale.actual());
    assertEquals("two", s(await(store.get("/a")).orElseThrow()));
    assertInstanceOf(StaleRevisionException.class, failure(store.put("/never", b("x"), 5)));
  }

  @Test
  void deleteWithAStaleRevisionConflictsAndKeepsTheKey() throws Exception {
    Entry v1 = await(store.put("/a", b("one"), Store.ANY));
    await(store.put("/a", b("two"), Store.ANY));
    assertInstanceOf(StaleRevisionException.class, failure(store.delete("/a", v1.modRevision())));
    assertTrue(await(store.get("/a")).isPresent());
    Entry current = await(store.get("/a")).orElseThrow();
    assertTrue(await(store.delete("/a", current.modRevision())));
  }

  @Test
  void revisionGrowsWithEveryWriteAndNotWithFailedOnes() throws Exception {
    long r0 = await(store.revision());
    Entry a = await(store.put("/a", b("1"), Store.ANY));
    Entry b = await(store.put("/b", b("1"), Store.ANY));
    assertTrue(a.modRevision() > r0);
    assertTrue(b.modRevision() > a.modRevision());
    failure(store.put("/a", b("2"), Store.ABSENT));
    assertEquals(b.modRevision(), await(store.revision()));
    await(store.delete("/b", Store.ANY));
    assertTrue(await(store.revision()) > b.modRevision());
  }

  @Test
  void watchFromZeroReplaysEveryChange() throws Exception {
    await(store.put("/w/a", b("1"), Store.ANY));
    await(store.put("/w/b", b("1"), Store.ANY));
    await(store.delete("/w/a", Store.ANY));
    BlockingQueue<StoreEvent> events = new LinkedBlockingQueue<>();
    Watch w = store.watch("/w/", 0, events::add);
    await(w.started());
    assertEquals(List.of("PUT /w/a", "PUT /w/b", "DELETE /w/a"), take(events, 3));
    w.cancel();
  }

  @Test
  void watchFromARevisionReplaysOnlyLaterChanges() throws Exception {
    await(store.put("/w/a", b("1"), Store.ANY));
    Entry mark = await(store.put("/w/b", b("1"), Store.ANY));
    await(store.put("/w/c", b("1"), Store.ANY));
    BlockingQueue<StoreEvent> events = new LinkedBlockingQueue<>();
    Watch w = store.watch("/w/", mark.modRevision(), events::add);
    await(w.started());
    assertEquals(List.of("PUT /w/c"), take(events, 1));
    assertNull(events.poll(100, TimeUnit.MILLISECONDS));
    w.cancel();
  }

  @Test
  void watchDeliversLiveChangesInRevisionOrder() throws Exception {
    BlockingQueue<StoreEvent> events = new LinkedBlockingQueue<>();
    Watch w = store.watch("/w/", await(store.revision()), events::add);
    await(w.started());
    List<Future<Entry>> writes = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      writes.add(store.put("/w/k" + (i % 7), b("v" + i), Store.ANY));
    }
    for (Future<Entry> f : writes) {
      await(f);
    }
    long last = 0;
    for (int i = 0; i < 200; i++) {
      StoreEvent e = events.poll(10, TimeUnit.SECONDS);
      assertTrue(e.revision() > last, "revisions must increase");
      last = e.revision();
    }
    w.cancel();
  }

  @Test
  void watchFromAFutureRevisionStartsAndDeliversOnlyChangesPastIt() throws Exception {
    long now = await(store.revision());
    BlockingQueue<StoreEvent> events = new LinkedBlockingQueue<>();
    Watch w = store.watch("/w/", now + 2, events::add);
    await(w.started());
    await(store.put("/w/a", b("1"), Store.ANY));
    await(store.put("/w/b", b("1"), Store.ANY));
    await(store.put("/w/c", b("1"), Store.ANY));
    assertEquals(List.of("PUT /w/c"), take(events, 1));
    assertNull(events.poll(100, TimeUnit.MILLISECONDS));
    w.cancel();
  }

  @Test
  void watchOfAPrefixIgnoresOtherKeys() throws Exception {
    BlockingQueue<StoreEvent> events = new LinkedBlockingQueue<>();
    Watch w = store.watch("/mine/", await(store.revision()), events::add);
    await(w.started());
    await(store.put("/other/a", b("1"), Store.ANY));
    await(store.put("/mine/a", b("1"), Store.ANY));
    await(store.put("/minex", b("1"), Store.ANY));
    assertEquals(List.of("PUT /mine/a"), take(events, 1));
    assertNull(events.poll(100, TimeUnit.MILLISECONDS));
    w.cancel();
  }

  @Test
  void watchedDeleteCarriesTheLastValueAndItsOwnRevision() throws Exception {
    await(store.put("/w/a", b("last"), Store.ANY));
    BlockingQueue<StoreEvent> events = new LinkedBlockingQueue<>();
    Watch w = store.watch("/w/", await(store.revision()), events::add);
    await(w.started());
    await(store.delete("/w/a", Store.ANY));
    StoreEvent e = events.poll(10, TimeUnit.SECONDS);
    assertEquals(StoreEvent.Type.DELETE, e.type());
    assertArrayEquals(b("last"), e.entry().value());
    assertEquals(await(store.revision()), e.revision());
    w.cancel();
  }

  @Test
  void cancelledWatchStopsDelivering() throws Exception {
    BlockingQueue<StoreEvent> events = new LinkedBlockingQueue<>();
    Watch w = store.watch("/w/", await(store.revision()), events::add);
    await(w.started());
    w.cancel();
    await(w.ended());
    await(store.put("/w/a", b("1"), Store.ANY));
    assertNull(events.poll(200, TimeUnit.MILLISECONDS));
  }

  @Test
  void watchFromCompactedHistoryFailsWithCompactedException() throws Exception {
    Entry early = await(store.put("/w/a", b("1"), Store.ANY));
    await(store.put("/w/a", b("2"), Store.ANY));
    await(store.put("/w/a", b("3"), Store.ANY));
    compact(store);
    BlockingQueue<StoreEvent> events = new LinkedBlockingQueue<>();
    Watch w = store.watch("/w/", early.modRevision(), events::add);
    assertInstanceOf(CompactedException.class, failure(w.started()));
    assertNull(events.poll(100, TimeUnit.MILLISECONDS));
    Watch fromNow = store.watch("/w/", await(store.revision()), events::add);
    await(fromNow.started());
    await(store.put("/w/a", b("4"), Store.ANY));
    assertEquals(List.of("PUT /w/a"), take(events, 1));
    fromNow.cancel();
  }

  @Test
  void concurrentWritersAreAllAcknowledgedAndAllPresent() throws Exception {
    int writes = 1000;
    ExecutorService pool = Executors.newFixedThreadPool(16);
    long start = System.nanoTime();
    List<java.util.concurrent.Future<Entry>> acks = new ArrayList<>();
    for (int i = 0; i < writes; i++) {
      String key = "/c/" + i;
      acks.add(pool.submit(() -> await(store.put(key, b("value-" + key), Store.ABSENT))));
    }
    List<Long> revisions = new ArrayList<>();
    for (var ack : acks) {
      revisions.add(ack.get(60, TimeUnit.SECONDS).modRevision());
    }
    long micros = (System.nanoTime() - start) / 1000;
    pool.shutdown();
    System.out.printf(
        "[%s] %d concurrent puts from 16 threads acknowledged in %.1f ms (%.0f writes/s)%n",
        getClass().getSimpleName(), writes, micros / 1000.0, writes * 1e6 / micros);
    assertEquals(writes, revisions.stream().distinct().count(), "every write has its own revision");
    List<Entry> all = await(store.list("/c/"));
    assertEquals(writes, all.size());
    for (Entry e : all) {
      assertEquals("value-" + e.key(), s(e));
    }
  }

  @Test
  void reopenAfterCloseKeepsEverything() throws Exception {
    await(store.put("/k/a", b("1"), Store.ANY));
    Entry b2 = await(store.put("/k/b", b("2"), Store.ANY));
    await(store.put("/k/c", b("3"), Store.ANY));
    await(store.delete("/k/c", Store.ANY));
    Entry a2 = await(store.put("/k/a", b("1b"), Store.ANY));
    long revision = await(store.revision());
    await(store.close());
    store = reopen(store);
    assertEquals(revision, await(store.revision()));
    assertEquals(
        List.of("/k/a", "/k/b"), await(store.list("/k/")).stream().map(Entry::key).toList());
    Entry a = await(store.get("/k/a")).orElseThrow();
    assertEquals("1b", s(a));
    assertEquals(a2.modRevision(), a.modRevision());
    assertEquals(a2.createRevision(), a.createRevision());
    assertEquals(b2.modRevision(), await(store.get("/k/b")).orElseThrow().modRevision());
    Entry next = await(store.put("/k/d", b("4"), Store.ABSENT));
    assertEquals(revision + 1, next.modRevision());
  }

  private static List<String> take(BlockingQueue<StoreEvent> events, int n)
      throws InterruptedException {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      StoreEvent e = events.poll(10, TimeUnit.SECONDS);
      if (e == null) {
        throw new AssertionError("got only " + out);
      }
      out.add(e.type() + " " + e.entry().key());
    }
    return out;
  }
}
