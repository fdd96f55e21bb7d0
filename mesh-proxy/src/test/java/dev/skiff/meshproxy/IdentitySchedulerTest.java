package dev.skiff.meshproxy;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.mesh.IssuedCertificate;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.spi.CertificateIssuer;
import dev.skiff.meshproxy.testing.ManualTicker;
import dev.skiff.meshproxy.testing.TestCa;
import dev.skiff.testing.ManualClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IdentitySchedulerTest {
  private static final Duration REFRESH = Duration.ofSeconds(30);

  private final Vertx vertx = Vertx.vertx();
  private final ManualTicker ticker = new ManualTicker();
  private final ManualClock clock = new ManualClock(Instant.now());
  private final TestCa ca = TestCa.create("scheduler");
  private final AtomicReference<String> bundle = new AtomicReference<>(ca.trustBundlePem());
  private final AtomicInteger bundleFetches = new AtomicInteger();
  private final IdentityScheduler scheduler =
      IdentityScheduler.builder()
          .withTicker(ticker)
          .withClock(clock)
          .withTrustBundle(
              () -> {
                bundleFetches.incrementAndGet();
                return Future.succeededFuture(bundle.get());
              })
          .withBundleRefresh(REFRESH)
          .build();

  @AfterEach
  void close() {
    scheduler.close();
    await(vertx.close());
  }

  @Test
  void manyRenewalsWaitOnOneTimerArmedForTheEarliest() {
    Instant start = clock.instant();
    for (int i = 0; i < 1_000; i++) {
      scheduler.renewal(() -> {}).at(start.plusSeconds(100 + (i * 37L) % 1_000));
    }

    assertEquals(List.of(Duration.ofSeconds(100)), ticker.delays());
    assertEquals(1_000, scheduler.pendingRenewals());
  }

  @Test
  void renewalsRunEarliestFirstEachWhenDue() {
    Instant start = clock.instant();
    List<String> ran = new ArrayList<>();
    scheduler.renewal(() -> ran.add("c")).at(start.plusSeconds(30));
    scheduler.renewal(() -> ran.add("a")).at(start.plusSeconds(10));
    scheduler.renewal(() -> ran.add("b")).at(start.plusSeconds(20));

    clock.advance(Duration.ofSeconds(10));
    ticker.fire();
    assertEquals(List.of("a"), ran);
    assertEquals(List.of(Duration.ofSeconds(10)), ticker.delays(), "armed for the next");

    clock.advance(Duration.ofSeconds(25)); // late: both others are due by now
    ticker.fire();
    assertEquals(List.of("a", "b", "c"), ran);
    assertEquals(List.of(), ticker.delays(), "nothing left to arm");
  }

  @Test
  void aTimerFiringAHairEarlyStillRunsWhatItWasArmedFor() {
    AtomicBoolean ran = new AtomicBoolean();
    scheduler.renewal(() -> ran.set(true)).at(clock.instant().plusSeconds(5));
    clock.advance(Duration.ofMillis(4_999));
    ticker.fire();
    assertTrue(ran.get());
  }

  @Test
  void aCancelledRenewalNeverRunsAndTheTimerMovesToTheNext() {
    Instant start = clock.instant();
    List<String> ran = new ArrayList<>();
    IdentityScheduler.Renewal first = scheduler.renewal(() -> ran.add("first"));
    first.at(start.plusSeconds(10));
    IdentityScheduler.Renewal second = scheduler.renewal(() -> ran.add("second"));
    second.at(start.plusSeconds(40));

    first.cancel();
    assertEquals(List.of(Duration.ofSeconds(40)), ticker.delays());
    second.cancel();
    assertEquals(List.of(), ticker.delays());

    clock.advance(Duration.ofMinutes(1));
    ticker.fire();
    assertEquals(List.of(), ran);
  }

  @Test
  void rescheduledRenewalRunsOnceAtItsNewTime() {
    Instant start = clock.instant();
    AtomicInteger runs = new AtomicInteger();
    IdentityScheduler.Renewal r = scheduler.renewal(runs::incrementAndGet);
    r.at(start.plusSeconds(10));
    r.at(start.plusSeconds(50));

    assertEquals(1, scheduler.pendingRenewals());
    assertEquals(List.of(Duration.ofSeconds(50)), ticker.delays());
    clock.advance(Duration.ofSeconds(50));
    ticker.fire();
    assertEquals(1, runs.get());
  }

  @Test
  void identitiesOfANodeShareOneRenewalTimerAndOneBundleRefresh() {
    List<IdentityProvider> providers = startProviders(20, ca.issuer());

    // One renewal timer (the earliest of the 20) and one bundle refresh, not 20 of each.
    assertEquals(2, ticker.delays().size(), ticker.delays().toString());
    assertTrue(ticker.delays().contains(REFRESH), ticker.delays().toString());
    assertEquals(20, scheduler.pendingRenewals());
    assertEquals(20, scheduler.bundleHolders());
    assertEquals(1, bundleFetches.get(), "fetched once when the first certificate came");
    providers.forEach(p -> assertEquals(1, p.renewals()));
  }

  @Test
  void aNewBundleReachesEveryIdentityFromOneFetch() {
    List<IdentityProvider> providers = startProviders(20, ca.issuer());
    List<String> chains = providers.stream().map(p -> p.current().chainPem()).toList();
    bundleFetches.set(0);

    bundle.set(ca.trustBundlePem() + TestCa.create("next").trustBundlePem());
    clock.advance(REFRESH);
    ticker.fire(REFRESH);

    eventually(
        "every identity trusts both roots",
        () -> providers.stream().allMatch(p -> p.current().roots().size() == 2));
    assertEquals(1, bundleFetches.get(), "one fetch for the node");
    assertEquals(chains, providers.stream().map(p -> p.current().chainPem()).toList());
    eventually("the next refresh is armed", () -> ticker.delays().contains(REFRESH));
  }

  @Test
  void aStoppedIdentityIsNeitherRenewedNorGivenBundles() {
    List<IdentityProvider> providers = startProviders(3, ca.issuer());
    IdentityProvider gone = providers.get(0);
    Credentials last = gone.current();

    gone.stop();
    assertEquals(2, scheduler.pendingRenewals());
    assertEquals(2, scheduler.bundleHolders());

    bundle.set(ca.trustBundlePem() + TestCa.create("next").trustBundlePem());
    clock.advance(Duration.ofDays(1)); // every renewal is due
    ticker.fire();
    eventually(
        "the others renewed",
        () -> providers.subList(1, 3).stream().allMatch(p -> p.renewals() == 2));
    assertEquals(1, gone.renewals());
    assertTrue(gone.current() == last, "the stopped identity kept what it had");
  }

  @Test
  void aFailedRenewalIsRetriedOnTheSharedTimerWhileTheCertificateLasts() {
    AtomicBoolean down = new AtomicBoolean();
    CertificateIssuer issuer =
        (csr, ttl) ->
            down.get()
                ? Future.<IssuedCertificate>failedFuture(new IllegalStateException("CA down"))
                : ca.issuer().issue(csr, ttl);
    IdentityProvider p = startProviders(1, issuer).get(0);
    Credentials first = p.current();

    down.set(true);
    clock.advance(
        Duration.between(clock.instant(), first.notAfter()).dividedBy(10).multipliedBy(8));
    assertThrows(AssertionError.class, () -> await(p.renewNow()));
    // Retried within a tenth of what is left (at least 1 s), still on the one renewal timer.
    eventually("a retry is pending", () -> scheduler.pendingRenewals() == 1);
    Duration retry = ticker.delays().stream().filter(d -> !d.equals(REFRESH)).findFirst().get();
    assertTrue(retry.compareTo(Duration.ofMinutes(1)) <= 0, retry.toString());
    assertEquals(2, ticker.delays().size(), ticker.delays().toString());

    down.set(false);
    clock.advance(retry);
    ticker.fire(retry);
    eventually("renewed on the retry", () -> p.renewals() == 2);
    assertTrue(p.current() != first);
  }

  private List<IdentityProvider> startProviders(int n, CertificateIssuer issuer) {
    List<IdentityProvider> out = new CopyOnWriteArrayList<>();
    for (int i = 0; i < n; i++) {
      IdentityProvider p =
          IdentityProvider.builder()
              .withVertx(vertx)
              .withIdentity(SpiffeId.workload("skiff.local", "shop", "svc" + i))
              .withIssuer(issuer)
              .withTtl(Duration.ofHours(1))
              .withClock(clock)
              .withScheduler(scheduler)
              .build();
      await(p.start());
      out.add(p);
    }
    return out;
  }
}
