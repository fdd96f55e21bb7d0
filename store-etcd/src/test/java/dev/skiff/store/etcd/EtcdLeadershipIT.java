package dev.skiff.store.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.controlplane.spi.Leadership;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two control planes campaign for one role on a real etcd: one leads; when it is cut off from etcd
 * it steps down by itself and the other takes over once its lease expired, never both at once; a
 * resigning leader hands over at once.
 */
class EtcdLeadershipIT {
  private static final Duration TTL = Duration.ofSeconds(2);

  private EtcdProcess etcd;
  private final List<EtcdStore> stores = new ArrayList<>();

  @BeforeEach
  void startEtcd() {
    etcd = EtcdProcess.startNew();
  }

  @AfterEach
  void stop() {
    stores.forEach(EtcdStore::close);
    etcd.close();
  }

  private Leadership leadership(String url, String who) {
    EtcdStore s = EtcdStore.builder().withUrl(url).build();
    stores.add(s);
    return s.leadership(who, TTL);
  }

  /** Every change either contender saw, as "a:true"; and whether the other led at that moment. */
  private final List<String> changes = new CopyOnWriteArrayList<>();

  private final List<String> overlaps = new CopyOnWriteArrayList<>();

  @Test
  void theOtherContenderTakesOverWhenTheLeaderIsCutOffAndNeverBothLead() throws Exception {
    try (TcpRelay linkA = new TcpRelay(etcd.clientPort())) {
      Leadership.Campaign[] c = new Leadership.Campaign[2];
      c[0] =
          leadership("etcd://127.0.0.1:" + linkA.port(), "a")
              .campaign("autoscaler", now -> seen("a", now, c[1]));
      awaitTrue(() -> c[0].leading(), "a leads alone");
      c[1] = leadership(etcd.url(), "b").campaign("autoscaler", now -> seen("b", now, c[0]));
      awaitTrue(() -> changes.size() == 1, "only a's change so far: " + changes);

      long cut = System.nanoTime();
      linkA.cut();
      awaitTrue(() -> c[1].leading(), "b takes over");
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cut);
      System.out.printf(
          "[EtcdLeadershipIT] failover %d ms after the cut (lease %s)%n", millis, TTL);
      assertFalse(c[0].leading(), "a stepped down");
      awaitTrue(() -> changes.size() >= 3, "b's handler told: " + changes);
      assertEquals(List.of("a:true", "a:false", "b:true"), changes);
      assertEquals(List.of(), overlaps, "never two leaders");
    }
  }

  @Test
  void aResigningLeaderHandsOverToTheOther() throws Exception {
    Leadership.Campaign a = leadership(etcd.url(), "a").campaign("reconciler", now -> {});
    awaitTrue(a::leading, "a leads");
    Leadership.Campaign b = leadership(etcd.url(), "b").campaign("reconciler", now -> {});
    a.resign().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertFalse(a.leading());
    awaitTrue(b::leading, "b takes over");
  }

  @Test
  void closingTheLeadersStoreResignsItsCampaigns() throws Exception {
    List<Boolean> seenByA = new CopyOnWriteArrayList<>();
    Leadership.Campaign a = leadership(etcd.url(), "a").campaign("reconciler", seenByA::add);
    awaitTrue(a::leading, "a leads");
    Leadership.Campaign b = leadership(etcd.url(), "b").campaign("reconciler", now -> {});
    stores.get(0).close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertFalse(a.leading());
    awaitTrue(() -> seenByA.equals(List.of(true, false)), "a was told: " + seenByA);
    awaitTrue(b::leading, "b takes over");
  }

  @Test
  void differentRolesHaveTheirOwnLeaders() throws Exception {
    Leadership one = leadership(etcd.url(), "a");
    Leadership.Campaign x = one.campaign("reconciler", now -> {});
    Leadership.Campaign y = one.campaign("autoscaler", now -> {});
    awaitTrue(() -> x.leading() && y.leading(), "a leads both roles");
  }

  private void seen(String who, boolean now, Leadership.Campaign other) {
    changes.add(who + ":" + now);
    if (now && other != null && other.leading()) {
      overlaps.add(who + " took over while the other led");
    }
  }

  private static void awaitTrue(BooleanSupplier condition, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting: " + what);
      Thread.sleep(10);
    }
  }
}
