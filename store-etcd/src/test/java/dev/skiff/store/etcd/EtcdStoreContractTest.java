package dev.skiff.store.etcd;

import dev.skiff.controlplane.spi.Store;
import dev.skiff.controlplane.spi.StoreContractTest;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The store contract against a real etcd on loopback, shared by the class: each test has a
 * namespace of its own. A compaction is etcd-wide, so the test after one gets a fresh etcd.
 */
class EtcdStoreContractTest extends StoreContractTest {
  private static final AtomicInteger TESTS = new AtomicInteger();
  private static EtcdProcess etcd;
  private static boolean compacted;
  private String namespace;

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

  @Override
  protected Store openStore() throws Exception {
    if (compacted) {
      etcd.close();
      etcd = EtcdProcess.startNew();
      compacted = false;
    }
    namespace = "/contract-" + TESTS.incrementAndGet();
    return open();
  }

  private Store open() {
    return EtcdStore.builder().withUrl(etcd.url()).withNamespace(namespace).build();
  }

  @Override
  protected Store reopen(Store closed) throws Exception {
    return open();
  }

  @Override
  protected void compact(Store s) throws Exception {
    compacted = true;
    await(((EtcdStore) s).compact(await(s.revision())));
  }
}
