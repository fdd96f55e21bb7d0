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
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IdentityProviderTest {
  private static final SpiffeId ID = SpiffeId.workload("skiff.local", "shop", "cart");

  private final Vertx vertx = Vertx.vertx();
  private final TestCa ca = TestCa.create("unit");
  private final ManualTicker ticker = new ManualTicker();

  @AfterEach
  void close() {
    await(vertx.close());
  }

  @Test
  void renewsAtSeventyPercentOfTheLifetimeLessTheJitter() {
    AtomicReference<Double> jitter = new AtomicReference<>(0.0);
    IdentityProvider p = provider(ca.issuer(), jitter);
    Instant before = Instant.now();
    Credentials c = await(p.start());
    Instant after = Instant.now();
    // A clock standing still before any leaf the CA issues from now on: the renewal is due at 70 %
    // of the lifetime from the leaf's notBefore, which lies ahead of this clock. (Fixed at the
    // first
    // leaf's notBefore, the second leaf's notBefore fell a second later whenever its issuance
    // crossed a second boundary, and the old bounds failed on that; now it always does.)
    Clock now = Clock.fixed(c.notBefore().minusSeconds(2), ZoneOffset.UTC);

    assertEquals(1, ticker.delays().size());
    assertRenewsAt(0.7, c, before, after, ticker.delays().get(0));

    jitter.set(0.999);
    IdentityProvider early = provider(ca.issuer(), jitter, now);
    Credentials second = await(early.start());
    // Its clock stands still: asked and scheduled then.
    Instant stopped = now.instant();
    assertRenewsAt(0.7 - 0.1 * 0.999, second, stopped, stopped, ticker.delays().get(1));
  }

  /**
   * The renewal of {@code c} is due at {@code fraction} of its lifetime counted from when it was
   * asked for (or from its notBefore, if later), and was scheduled after that: with the request
   * made between {@code before} and {@code after} (the start's own duration, long on a loaded
   * machine), the delay lies between these bounds, a few milliseconds apart when the start is
   * quick.
   */
  private static void assertRenewsAt(
      double fraction, Credentials c, Instant before, Instant after, Duration delay) {
    long notAfter = c.notAfter().toEpochMilli();
    long from = Math.max(c.notBefore().toEpochMilli(), before.toEpochMilli());
    long due = (long) ((1 - fraction) * from + fraction * notAfter);
    long latest = due - before.toEpochMilli() + 2;
    long earliest = due - after.toEpochMilli() - 2;
    assertTrue(
        delay.toMillis() >= earliest && delay.toMillis() <= latest,
        "renewal in "
            + delay.toMillis()
            + " ms, expected within ["
            + earliest
            + ", "
            + latest
            + "] ms of the start for "
            + c);
  }

  /**
   * The CA backdates notBefore by a minute (clock skew): that minute is no part of the lifetime
   * granted, so a short leaf must not count it. Counted, a 10 s leaf renewed at once, in a loop.
   */
  @Test
  void aBackdatedLeafRenewsAtSeventyPercentOfTheLifetimeFromItsIssuance() {
    ca.backdating(Duration.ofMinutes(1));
    IdentityProvider p =
        IdentityProvider.builder()
            .withVertx(vertx)
            .withIdentity(ID)
            .withIssuer(ca.issuer())
            .withTtl(Duration.ofSeconds(10))
            .withTicker(ticker)
            .withJitter(() -> 0.0)
            .build();

    Instant before = Instant.now();
    Credentials c = await(p.start());
    Instant after = Instant.now();

    assertEquals(1, ticker.delays().size());
    // About 7 s after the request; counting the minute, it would be due at once.
    assertRenewsAt(0.7, c, before, after, ticker.delays().get(0));
  }

  @Test
  void renewalMakesANewKeyEachTime() {
    IdentityProvider p = provider(ca.issuer(), new AtomicReference<>(0.5));
    Credentials first = await(p.start());
    ticker.fire();
    dev.skiff.proxy.testing.Await.eventually("renewed", () -> p.renewals() == 2);
    assertTrue(!first.privateKeyPem().equals(p.current().privateKeyPem()));
    assertTrue(!first.toString().contains("PRIVATE"), "the key is never printed");
  }

  @Test
  void betweenRenewalsTheTrustBundleIsRefreshedKeepingTheCertificate() {
    AtomicReference<String> bundle = new AtomicReference<>(ca.trustBundlePem());
    CertificateIssuer issuer =
        new CertificateIssuer() {
          @Override
          public Future<IssuedCertificate> issue(String csrPem, Duration ttl) {
            return ca.issuer().issue(csrPem, ttl);
          }

          @Override
          public Future<String> trustBundle() {
            return Future.succeededFuture(bundle.get());
          }
        };
    IdentityProvider p =
        IdentityProvider.builder()
            .withVertx(vertx)
            .withIdentity(ID)
            .withIssuer(issuer)
            .withTtl(Duration.ofHours(1))
            .withTicker(ticker)
            .withBundleRefresh(Duration.ofSeconds(7))
            .build();
    List<Credentials> seen = new CopyOnWriteArrayList<>();
    p.onRenewal(
        c -> {
          seen.add(c);
          return Future.succeededFuture();
        });
    Credentials first = await(p.start());
    assertTrue(ticker.delays().contains(Duration.ofSeconds(7)), ticker.delays().toString());

    bundle.set(ca.trustBundlePem() + TestCa.create("next").trustBundlePem());
    ticker.fire(Duration.ofSeconds(7));

    eventually("the new bundle is in use", () -> p.current().roots().size() == 2);
    assertEquals(first.chainPem(), p.current().chainPem(), "the same certificate");
    assertEquals(first.privateKeyPem(), p.current().privateKeyPem(), "the same key");
    assertEquals(1, p.renewals());
    assertEquals(2, seen.size(), "listeners saw the first certificate and the new bundle");
    assertTrue(ticker.delays().contains(Duration.ofSeconds(7)), "the next refresh is scheduled");
  }

  @Test
  void refusesACertificateItDidNotAskFor() {
    var other = SpiffeId.workload("skiff.local", "billing", "ledger");
    IdentityProvider p =
        provider(
            (csr, ttl) ->
                Future.succeededFuture(
                    ca.issue(
                        dev.skiff.meshproxy.internal.Csr.request(
                            other, dev.skiff.meshproxy.internal.Csr.newKeyPair()),
                        ttl)),
            new AtomicReference<>(0.0));
    var err = assertThrows(AssertionError.class, () -> await(p.start()));
    assertTrue(err.getCause() instanceof InvalidIdentityException, String.valueOf(err.getCause()));
    assertTrue(p.current() == null);
    assertEquals(1, ticker.delays().size(), "a retry is scheduled");
  }

  @Test
  void retriesWhenTheIssuerFails() {
    AtomicReference<Boolean> down = new AtomicReference<>(true);
    IdentityProvider p =
        provider(
            (csr, ttl) ->
                down.get()
                    ? Future.<IssuedCertificate>failedFuture(new IllegalStateException("CA down"))
                    : ca.issuer().issue(csr, ttl),
            new AtomicReference<>(0.0));
    assertThrows(AssertionError.class, () -> await(p.start()));
    down.set(false);
    ticker.fire();
    dev.skiff.proxy.testing.Await.eventually("issued on retry", () -> p.current() != null);
  }

  private IdentityProvider provider(
      dev.skiff.meshproxy.spi.CertificateIssuer issuer, AtomicReference<Double> jitter) {
    return provider(issuer, jitter, Clock.systemUTC());
  }

  private IdentityProvider provider(
      dev.skiff.meshproxy.spi.CertificateIssuer issuer,
      AtomicReference<Double> jitter,
      Clock clock) {
    return IdentityProvider.builder()
        .withVertx(vertx)
        .withIdentity(ID)
        .withIssuer(issuer)
        .withTtl(Duration.ofHours(1))
        .withTicker(ticker)
        .withClock(clock)
        .withJitter(jitter::get)
        .build();
  }
}
