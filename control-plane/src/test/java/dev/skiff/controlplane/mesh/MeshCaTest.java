package dev.skiff.controlplane.mesh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.mesh.IssuedCertificate;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.controlplane.ConflictException;
import dev.skiff.controlplane.EmbeddedStore;
import dev.skiff.controlplane.InvalidResourceException;
import dev.skiff.testing.ManualClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mesh CA against a real embedded store, with a clock the tests move. */
class MeshCaTest {
  @TempDir Path dir;
  Vertx vertx;
  EmbeddedStore store;
  ManualClock clock = new ManualClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
  MeshCa ca;

  static final SpiffeId HELLO = SpiffeId.workload("skiff.local", "team-a", "hello");

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    store = await(EmbeddedStore.builder().withDataDir(dir.resolve("store")).build().open());
    ca = newCa("skiff.local");
  }

  @AfterEach
  void stop() throws Exception {
    await(store.close());
    await(vertx.close());
  }

  private MeshCa newCa(String trustDomain) throws Exception {
    return await(
        MeshCa.builder()
            .withVertx(vertx)
            .withStore(store)
            .withTrustDomain(trustDomain)
            .withClock(clock)
            .withRootSwitchDelay(Duration.ofMinutes(1))
            .build()
            .start());
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static Throwable failure(Future<?> f) throws Exception {
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () -> f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
    return e.getCause();
  }

  /** PKIX validation of {@code chainPem} against {@code bundlePem} at the test clock's time. */
  void validate(String chainPem, String bundlePem) throws Exception {
    List<X509Certificate> chain = Csrs.certs(chainPem);
    Set<TrustAnchor> anchors = new HashSet<>();
    for (X509Certificate root : Csrs.certs(bundlePem)) {
      anchors.add(new TrustAnchor(root, null));
    }
    PKIXParameters params = new PKIXParameters(anchors);
    params.setRevocationEnabled(false);
    params.setDate(Date.from(clock.instant()));
    CertPathValidator.getInstance("PKIX")
        .validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), params);
  }

  X509Certificate leaf(IssuedCertificate c) throws Exception {
    return Csrs.certs(c.certificateChain()).get(0);
  }

  @Test
  void issuedChainValidatesWithPkixAgainstTheTrustBundle() throws Exception {
    IssuedCertificate c = await(ca.issue(Csrs.csr(Csrs.ec("secp256r1")), HELLO, null));
    assertEquals(2, Csrs.certs(c.certificateChain()).size(), "leaf + intermediate");
    assertEquals(ca.trustBundle(), c.trustBundle());
    validate(c.certificateChain(), ca.trustBundle());
  }

  @Test
  void leafIsASpiffeSvidForTheDecidedIdentityWithTheRequestersKey() throws Exception {
    KeyPair keys = Csrs.ec("secp256r1");
    IssuedCertificate c = await(ca.issue(Csrs.csr(keys), HELLO, null));
    X509Certificate leaf = leaf(c);
    assertEquals("spiffe://skiff.local/ns/team-a/svc/hello", c.spiffeId());
    assertEquals(
        List.of(List.of(6, "spiffe://skiff.local/ns/team-a/svc/hello")),
        List.copyOf(leaf.getSubjectAlternativeNames()));
    assertArrayEquals(keys.getPublic().getEncoded(), leaf.getPublicKey().getEncoded());
    assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), leaf.getExtendedKeyUsage());
    boolean[] ku = leaf.getKeyUsage();
    assertTrue(ku[0], "digitalSignature");
    for (int i = 1; i < ku.length; i++) {
      assertFalse(ku[i], "key usage bit " + i + " must be off");
    }
    assertEquals(-1, leaf.getBasicConstraints(), "a leaf is not a CA");
    assertEquals("SHA256withECDSA", leaf.getSigAlgName());
  }

  @Test
  void leafLivesTwentyFourHoursByDefaultAndAsAskedWithinTheCap() throws Exception {
    String csr = Csrs.csr(Csrs.ec("secp256r1"));
    IssuedCertificate day = await(ca.issue(csr, HELLO, null));
    assertEquals(clock.instant().plus(Duration.ofHours(24)), day.notAfter());
    assertEquals(day.notAfter(), leaf(day).getNotAfter().toInstant());
    assertFalse(leaf(day).getNotBefore().toInstant().isAfter(clock.instant()));
    IssuedCertificate hour = await(ca.issue(csr, HELLO, Duration.ofHours(1)));
    assertEquals(clock.instant().plus(Duration.ofHours(1)), hour.notAfter());
    Throwable tooLong = failure(ca.issue(csr, HELLO, Duration.ofDays(8)));
    assertInstanceOf(InvalidResourceException.class, tooLong);
    assertTrue(tooLong.getMessage().contains("ttl"), tooLong.getMessage());
  }

  @Test
  void certificateExpiresAtItsLifetime() throws Exception {
    IssuedCertificate c =
        await(ca.issue(Csrs.csr(Csrs.ec("secp256r1")), HELLO, Duration.ofHours(1)));
    clock.advance(Duration.ofMinutes(61));
    assertThrows(
        CertPathValidatorException.class, () -> validate(c.certificateChain(), ca.trustBundle()));
  }

  @Test
  void csrAskingForAnotherIdentityIsRefused() throws Exception {
    String foreign =
        Csrs.csr(Csrs.ec("secp256r1"), "spiffe://skiff.local/ns/kube-system/svc/admin");
    Throwable t = failure(ca.issue(foreign, HELLO, null));
    assertInstanceOf(InvalidResourceException.class, t);
    assertTrue(
        t.getMessage().contains("spiffe://skiff.local/ns/kube-system/svc/admin"), t.getMessage());
    // Asking for exactly the identity the CA decided is fine.
    String same = Csrs.csr(Csrs.ec("secp256r1"), HELLO.uri());
    assertEquals(HELLO.uri(), await(ca.issue(same, HELLO, null)).spiffeId());
  }

  @Test
  void subjectOfTheCsrIsIgnored() throws Exception {
    IssuedCertificate c = await(ca.issue(Csrs.csr(Csrs.ec("secp256r1")), HELLO, null));
    assertFalse(leaf(c).getSubjectX500Principal().getName().contains("test"));
  }

  @Test
  void keysOtherThanP256AreRefused() throws Exception {
    Throwable rsa = failure(ca.issue(Csrs.csr(Csrs.rsa()), HELLO, null));
    assertInstanceOf(InvalidResourceException.class, rsa);
    assertTrue(rsa.getMessage().contains("RSA"), rsa.getMessage());
    Throwable p384 = failure(ca.issue(Csrs.csr(Csrs.ec("secp384r1")), HELLO, null));
    assertInstanceOf(InvalidResourceException.class, p384);
    assertTrue(p384.getMessage().contains("P-256"), p384.getMessage());
  }

  @Test
  void garbageInsteadOfACsrIsRefused() throws Exception {
    for (String bad : new String[] {"", "hello", ca.trustBundle()}) {
      Throwable t = failure(ca.issue(bad, HELLO, null));
      assertInstanceOf(InvalidResourceException.class, t, bad);
    }
  }

  @Test
  void identityOfAnotherTrustDomainIsRefused() throws Exception {
    Throwable t =
        failure(
            ca.issue(
                Csrs.csr(Csrs.ec("secp256r1")),
                SpiffeId.workload("evil.example", "team-a", "hello"),
                null));
    assertInstanceOf(InvalidResourceException.class, t);
  }

  @Test
  void componentIdentityUsesTheSkiffPath() throws Exception {
    IssuedCertificate c =
        await(
            ca.issue(
                Csrs.csr(Csrs.ec("secp256r1")),
                SpiffeId.component("skiff.local", "gateway"),
                null));
    assertEquals("spiffe://skiff.local/skiff/gateway", c.spiffeId());
    validate(c.certificateChain(), ca.trustBundle());
  }

  @Test
  void caIsKeptInTheStoreAndReloaded() throws Exception {
    IssuedCertificate before = await(ca.issue(Csrs.csr(Csrs.ec("secp256r1")), HELLO, null));
    MeshCa again = newCa("skiff.local");
    assertEquals(ca.trustBundle(), again.trustBundle());
    validate(before.certificateChain(), again.trustBundle());
    IssuedCertificate after = await(again.issue(Csrs.csr(Csrs.ec("secp256r1")), HELLO, null));
    assertEquals(
        Csrs.certs(before.certificateChain()).get(1), Csrs.certs(after.certificateChain()).get(1));
    // The keys are in the store, outside the resource keys the change feed streams.
    var entry = await(store.get("/skiff-mesh/ca")).orElseThrow();
    assertTrue(new String(entry.value(), StandardCharsets.UTF_8).contains("PRIVATE KEY"));
    assertTrue(await(store.list("/skiff/")).isEmpty());
  }

  @Test
  void storedCaOfAnotherTrustDomainFailsTheStart() throws Exception {
    Throwable t =
        failure(
            MeshCa.builder()
                .withVertx(vertx)
                .withStore(store)
                .withTrustDomain("other.local")
                .withClock(clock)
                .build()
                .start());
    assertInstanceOf(ConflictException.class, t);
    assertTrue(t.getMessage().contains("skiff.local"), t.getMessage());
  }

  @Test
  void rootRotationKeepsOldLeavesValidAndNewLeavesChainToTheNewRoot() throws Exception {
    String oldBundle = ca.trustBundle();
    X509Certificate oldRoot = Csrs.certs(oldBundle).get(0);
    IssuedCertificate old = await(ca.issue(Csrs.csr(Csrs.ec("secp256r1")), HELLO, null));

    MeshStatus rotating = await(ca.rotateRoot());
    assertEquals(
        List.of("active", "next"), rotating.roots().stream().map(MeshStatus.Root::state).toList());
    assertEquals(2, Csrs.certs(ca.trustBundle()).size(), "both roots in the bundle");
    // Until the switch, issuance stays on the old root: holders of the old bundle still accept.
    IssuedCertificate beforeSwitch = await(ca.issue(Csrs.csr(Csrs.ec("secp256r1")), HELLO, null));
    validate(beforeSwitch.certificateChain(), oldBundle);

    clock.advance(Duration.ofMinutes(2));
    IssuedCertificate renewed = await(ca.issue(Csrs.csr(Csrs.ec("secp256r1")), HELLO, null));
    String bundle = ca.trustBundle();
    validate(renewed.certificateChain(), bundle);
    validate(old.certificateChain(), bundle);
    assertThrows(
        CertPathValidatorException.class,
        () -> validate(renewed.certificateChain(), oldBundle),
        "the new leaf chains to the new root, not the old one");
    X509Certificate newRoot = Csrs.certs(bundle).get(1);
    validate(
        renewed.certificateChain(),
        dev.skiff.controlplane.internal.mesh.Pem.certificates(List.of(newRoot)));
    assertEquals(
        List.of("retiring", "active"),
        await(ca.status()).roots().stream().map(MeshStatus.Root::state).toList());

    assertInstanceOf(ConflictException.class, failure(ca.rotateRoot()), "one rotation at a time");

    // Once every leaf of the old root has expired (the CA rounds that time up to the next hour),
    // the old root leaves the bundle by itself.
    clock.advance(Duration.ofHours(23));
    assertEquals(2, Csrs.certs(ca.trustBundle()).size(), "old leaves still valid");
    clock.advance(Duration.ofHours(3));
    assertEquals(List.of(Csrs.certs(bundle).get(1)), Csrs.certs(ca.trustBundle()));
    assertFalse(Csrs.certs(ca.trustBundle()).contains(oldRoot));
    await(ca.rotateRoot()); // and the next rotation may start
  }

  @Test
  void rootsMadeInTheSameSecondHaveDistinctNames() throws Exception {
    // Chain builders (openssl's among them) look issuers up by name: two roots of one bundle, or
    // two intermediates, must never share a subject, even when made within one clock second.
    await(ca.rotateRoot());
    List<X509Certificate> roots = Csrs.certs(ca.trustBundle());
    assertEquals(2, roots.size());
    assertNotEquals(roots.get(0).getSubjectX500Principal(), roots.get(1).getSubjectX500Principal());
  }

  @Test
  void finishingARotationDropsTheOldRootAtOnce() throws Exception {
    assertInstanceOf(ConflictException.class, failure(ca.finishRotation()));
    IssuedCertificate old = await(ca.issue(Csrs.csr(Csrs.ec("secp256r1")), HELLO, null));
    await(ca.rotateRoot());
    MeshStatus done = await(ca.finishRotation());
    assertEquals(1, done.roots().size());
    assertEquals("active", done.roots().get(0).state());
    assertThrows(
        CertPathValidatorException.class, () -> validate(old.certificateChain(), ca.trustBundle()));
    IssuedCertificate fresh = await(ca.issue(Csrs.csr(Csrs.ec("secp256r1")), HELLO, null));
    validate(fresh.certificateChain(), ca.trustBundle());
    // The rotation survives a restart.
    assertEquals(ca.trustBundle(), newCa("skiff.local").trustBundle());
  }

  @Test
  void statusListsRootsAndTheLastCertificateOfEachIdentity() throws Exception {
    IssuedCertificate c = await(ca.issue(Csrs.csr(Csrs.ec("secp256r1")), HELLO, null));
    MeshStatus s = await(ca.status());
    assertEquals("skiff.local", s.trustDomain());
    assertEquals(1, s.roots().size());
    assertEquals(1, s.identities().size());
    assertEquals(HELLO.uri(), s.identities().get(0).spiffeId());
    assertEquals(c.notAfter(), s.identities().get(0).notAfter());
    assertEquals(c.serial(), s.identities().get(0).serial());
  }

  @Test
  void intermediateIsRenewedUnderTheSameRootBeforeItExpires() throws Exception {
    IssuedCertificate first = await(ca.issue(Csrs.csr(Csrs.ec("secp256r1")), HELLO, null));
    X509Certificate oldIntermediate = Csrs.certs(first.certificateChain()).get(1);
    clock.advance(Duration.ofDays(340));
    IssuedCertificate later = await(ca.issue(Csrs.csr(Csrs.ec("secp256r1")), HELLO, null));
    X509Certificate newIntermediate = Csrs.certs(later.certificateChain()).get(1);
    assertNotEquals(oldIntermediate, newIntermediate);
    assertEquals(clock.instant().plus(Duration.ofHours(24)), later.notAfter(), "not cut short");
    assertTrue(
        newIntermediate
            .getNotAfter()
            .toInstant()
            .isAfter(clock.instant().plus(Duration.ofDays(300))));
    assertEquals(first.trustBundle(), later.trustBundle(), "same root");
    validate(later.certificateChain(), ca.trustBundle());
    IssuedCertificate again =
        await(newCa("skiff.local").issue(Csrs.csr(Csrs.ec("secp256r1")), HELLO, null));
    assertEquals(newIntermediate, Csrs.certs(again.certificateChain()).get(1), "kept in the store");
  }
}
