package dev.skiff.store.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.controlplane.PayloadTooLargeException;
import dev.skiff.controlplane.StoreClosedException;
import dev.skiff.controlplane.spi.Store;
import io.vertx.core.Future;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the etcd store refuses before etcd would, against a real etcd. */
class EtcdStoreLimitsTest {
  private static EtcdProcess etcd;

  @BeforeAll
  static void startEtcd() {
    etcd = EtcdProcess.startNew();
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  void aValueAtTheLimitIsStoredAndOneByteMoreIsRefusedWithWhatToDo() throws Exception {
    EtcdStore store = EtcdStore.builder().withUrl(etcd.url()).withNamespace("/limits").build();
    try {
      byte[] max = new byte[EtcdStore.DEFAULT_MAX_VALUE_BYTES];
      await(store.put("/big", max, Store.ANY));
      assertEquals(max.length, await(store.get("/big")).orElseThrow().value().length);
      Throwable t = failure(store.put("/bigger", new byte[max.length + 1], Store.ANY));
      assertInstanceOf(PayloadTooLargeException.class, t);
      assertTrue(
          ((PayloadTooLargeException) t).hint().contains("/bigger would hold 1048577 bytes"),
          ((PayloadTooLargeException) t).hint());
      assertTrue(await(store.get("/bigger")).isEmpty());
    } finally {
      await(store.close());
    }
  }

  @Test
  void callsWhileEtcdIsDownFailNamingEtcdAndWorkOnceItIsBack() throws Exception {
    EtcdStore store = EtcdStore.builder().withUrl(etcd.url()).withNamespace("/down").build();
    try {
      await(store.put("/a", new byte[] {1}, Store.ANY));
      etcd.kill();
      long start = System.nanoTime();
      Throwable t = failure(store.get("/a"));
      System.out.printf(
          "[EtcdStoreLimitsTest] a read failed %d ms after etcd went down%n",
          (System.nanoTime() - start) / 1_000_000);
      assertInstanceOf(EtcdStoreException.class, t);
      assertTrue(t.getMessage().startsWith("etcd at " + store.endpoints()), t.getMessage());
      etcd.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        try {
          assertEquals(1, await(store.get("/a")).orElseThrow().value()[0]);
          break;
        } catch (ExecutionException e) {
          assertTrue(System.nanoTime() < deadline, "etcd is back but reads still fail: " + e);
        }
      }
    } finally {
      await(store.close());
    }
  }

  @Test
  void aClosedStoreRefusesCalls() throws Exception {
    EtcdStore store = EtcdStore.builder().withUrl(etcd.url()).build();
    await(store.close());
    assertInstanceOf(StoreClosedException.class, failure(store.get("/a")));
    assertInstanceOf(StoreClosedException.class, failure(store.watch("/a", 0, e -> {}).started()));
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static Throwable failure(Future<?> f) throws Exception {
    try {
      await(f);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure");
  }
}
