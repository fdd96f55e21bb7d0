package dev.skiff.store.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.controlplane.spi.Store;
import dev.skiff.controlplane.spi.StoreEvent;
import dev.skiff.controlplane.spi.Watch;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A watch on a real etcd keeps its promise (every change once, in order) across etcd's troubles:
 * etcd killed and restarted on the same data directory, and history compacted while the watcher was
 * cut off from etcd.
 */
class EtcdWatchResumptionIT {
  private EtcdProcess etcd;
  private final List<Store> stores = new ArrayList<>();

  @BeforeEach
  void startEtcd() {
    etcd = EtcdProcess.startNew();
  }

  @AfterEach
  void stopEtcd() throws Exception {
    for (Store s : stores) {
      await(s.close());
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  private EtcdStore store(String url) {
    EtcdStore s =
        EtcdStore.builder().withUrl(url).withWatchRetryMax(Duration.ofMillis(300)).build();
    stores.add(s);
    return s;
  }

  @Test
  void watchResumesAfterEtcdIsKilledAndRestartedWithoutLosingOrRepeatingAChange() throws Exception {
    EtcdStore watched = store(etcd.url());
    EtcdStore writer = store(etcd.url());
    await(writer.put("/w/a", b("1"), Store.ANY));
    BlockingQueue<StoreEvent> events = new LinkedBlockingQueue<>();
    Watch w = watched.watch("/w/", 0, events::add);
    await(w.started());
    assertEquals(List.of("PUT /w/a 1"), take(events, 1));

    etcd.kill();
    etcd.start();
    // Written before the watch is back: it must replay them from where it stopped.
    await(writer.put("/w/b", b("2"), Store.ANY));
    await(writer.delete("/w/a", Store.ANY));
    await(writer.put("/w/c", b("3"), Store.ANY));

    assertEquals(List.of("PUT /w/b 2", "DELETE /w/a 1", "PUT /w/c 3"), take(events, 3));
    assertNull(events.poll(300, TimeUnit.MILLISECONDS), "nothing twice");
    assertFalse(w.ended().isComplete());
    await(writer.put("/w/d", b("4"), Store.ANY));
    assertEquals(List.of("PUT /w/d 4"), take(events, 1));
    w.cancel();
  }

  @Test
  void watchCutOffPastACompactionCatchesUpByListing() throws Exception {
    try (TcpRelay link = new TcpRelay(etcd.clientPort())) {
      EtcdStore watched = store("etcd://127.0.0.1:" + link.port());
      EtcdStore writer = store(etcd.url());
      await(writer.put("/w/a", b("a1"), Store.ANY));
      await(writer.put("/w/b", b("b1"), Store.ANY));
      await(writer.put("/w/keep", b("k1"), Store.ANY));
      BlockingQueue<StoreEvent> events = new LinkedBlockingQueue<>();
      Watch w = watched.watch("/w/", await(writer.revision()), events::add);
      await(w.started());
      await(writer.put("/w/a", b("a2"), Store.ANY));
      assertEquals(List.of("PUT /w/a a2"), take(events, 1));

      link.cut();
      await(writer.delete("/w/b", Store.ANY));
      await(writer.put("/w/c", b("c1"), Store.ANY));
      await(writer.put("/w/a", b("a3"), Store.ANY));
      await(writer.delete("/w/c", Store.ANY)); // born and gone while cut off: never seen
      long compactedAt = await(writer.revision());
      await(writer.compact(compactedAt));
      link.mend();

      List<StoreEvent> caughtUp = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        StoreEvent e = events.poll(20, TimeUnit.SECONDS);
        assertTrue(e != null, "caught up only with " + caughtUp);
        caughtUp.add(e);
      }
      assertEquals(
          List.of("PUT /w/a a3", "DELETE /w/b b1"),
          caughtUp.stream().map(EtcdWatchResumptionIT::show).toList());
      assertEquals(compactedAt, caughtUp.get(1).revision());
      assertArrayEquals(b("b1"), caughtUp.get(1).entry().value());
      assertNull(events.poll(300, TimeUnit.MILLISECONDS), "no event for /w/keep nor /w/c");

      await(writer.put("/w/d", b("d1"), Store.ANY));
      assertEquals(List.of("PUT /w/d d1"), take(events, 1));
      assertFalse(w.ended().isComplete());
      w.cancel();
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  private static String show(StoreEvent e) {
    return e.type() + " " + e.entry().key() + " " + new String(e.entry().value(), UTF_8);
  }

  private static List<String> take(BlockingQueue<StoreEvent> events, int n)
      throws InterruptedException {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      StoreEvent e = events.poll(20, TimeUnit.SECONDS);
      if (e == null) {
        throw new AssertionError("got only " + out);
      }
      out.add(show(e));
    }
    return out;
  }
}
