package dev.skiff.meshproxy;

import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.testing.ExternalClient;
import dev.skiff.meshproxy.testing.SidecarFixture;
import dev.skiff.meshproxy.testing.TestCa;
import dev.skiff.testing.Prerequisites;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A STRICT sidecar against real TLS clients: curl and openssl s_client as processes, each with the
 * certificate files the test's CA wrote. Refusals must happen at the handshake, and be counted. The
 * same checks run on each TLS engine ({@link SidecarTlsOpenSslIT}, {@link SidecarTlsJdkIT}).
 */
abstract class SidecarTlsChecks {
  private static final String TD = SidecarFixture.TRUST_DOMAIN;

  @TempDir static Path dir;
  private static SidecarFixture f;

  static void start(MeshTlsEngine engine) {
    Prerequisites.require(
        Files.isExecutable(Path.of("/usr/bin/curl")), "curl", "apt-get install curl");
    Prerequisites.require(
        Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl", "apt-get install openssl");
    f = new SidecarFixture(b -> b.withTlsEngine(engine));
  }

  @AfterAll
  static void stop() {
    if (f != null) {
      f.close();
      f = null;
    }
  }

  /** The engine the listener must report on {@value MeshTlsEngine#METER}. */
  abstract MeshTlsEngine engine();

  /** How openssl s_client words the alert the sidecar answers a missing client certificate with. */
  /** What openssl prints for the engine's refusal of a client without a certificate (any of). */
  abstract List<String> noCertificateAlerts();

  @Test
  void reportsItsTlsEngine() {
    var gauge = f.registry.find(MeshTlsEngine.METER).tag("engine", engine().tag()).gauge();
    assertNotNull(gauge, "no " + MeshTlsEngine.METER + " tagged engine=" + engine().tag());
    assertEquals(1.0, gauge.value());
  }

  @Test
  void servesWorkloadOfTheSameNamespace() throws Exception {
    Path id = f.ca.writeIdentity(dir, SpiffeId.workload(TD, "shop", "checkout"));
    double before = f.requests(200);

    ExternalClient.Result r = curl(id, "/hello");

    assertEquals(0, r.exit(), r.output());
    // curl and the sidecar agree on HTTP/2 (ALPN); the served request must count as a 200.
    assertTrue(r.output().startsWith("HTTP/2 200"), r.output());
    assertTrue(r.output().endsWith("backend ok"), r.output());
    assertTrue(
        r.output()
            .contains(
                "seen-client-cert: By="
                    + SidecarFixture.SELF.uri()
                    + ";URI=spiffe://"
                    + TD
                    + "/ns/shop/svc/checkout"),
        r.output());
    eventually("the 200 is counted", () -> f.requests(200) >= before + 1);
  }

  @Test
  void servesTheGateway() throws Exception {
    Path id = f.ca.writeIdentity(dir, SpiffeId.component(TD, "gateway"));

    ExternalClient.Result r = curl(id, "/");

    assertStatus(200, r);
  }

  @Test
  void deniesIdentityOutsideThePolicyWith403NamingIt() throws Exception {
    SpiffeId stranger = SpiffeId.workload(TD, "billing", "ledger");
    Path id = f.ca.writeIdentity(dir, stranger);
    double before = f.refusals("denied_by_policy");

    ExternalClient.Result r = curl(id, "/");

    assertStatus(403, r);
    JsonObject body = new JsonObject(r.output().substring(r.output().indexOf('{')));
    assertTrue(body.getString("error").contains(stranger.uri()), body.encode());
    assertTrue(
        body.getString("error").contains("spiffe://" + TD + "/ns/shop/svc/*"), body.encode());
    assertTrue(body.getString("hint").contains("--allow"), body.encode());
    eventually("the denial is counted", () -> f.refusals("denied_by_policy") >= before + 1);
    eventually("the 403 is counted", () -> f.requests(403) >= 1);
  }

  @Test
  void refusesClientWithoutCertificateAtTheHandshake() throws Exception {
    Path ca = Files.writeString(dir.resolve("ca-only.pem"), f.ca.trustBundlePem());
    double before = f.refusals("no_certificate");

    ExternalClient.Result r =
        ExternalClient.run(
            List.of(
                "openssl",
                "s_client",
                "-connect",
                "127.0.0.1:" + f.sidecar.port(),
                "-tls1_3",
                "-CAfile",
                ca.toString(),
                "-servername",
                "localhost",
                "-ign_eof"),
            "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

    assertFalse(r.output().contains("HTTP/"), r.output());
    assertTrue(noCertificateAlerts().stream().anyMatch(r.output()::contains), r.output());
    eventually("the refusal is counted", () -> f.refusals("no_certificate") >= before + 1);
  }

  @Test
  void refusesClientWithForeignCa() throws Exception {
    TestCa foreign = TestCa.create("foreign");
    Path id = foreign.writeIdentity(dir, SpiffeId.workload(TD, "shop", "checkout"));
    Files.writeString(id.resolve("ca.pem"), f.ca.trustBundlePem()); // trusts the real server

    assertRefusedAtTheHandshake(id, "unknown_ca");
  }

  @Test
  void refusesExpiredClientCertificate() throws Exception {
    Instant longAgo = Instant.now().minus(Duration.ofDays(3));
    Path id =
        f.ca.writeIdentity(
            dir,
            SpiffeId.workload(TD, "shop", "checkout"),
            longAgo,
            longAgo.plus(Duration.ofDays(1)));

    assertRefusedAtTheHandshake(id, "expired");
  }

  @Test
  void refusesCertificateOfTheMeshCaNamingAnotherTrustDomain() throws Exception {
    Path id = f.ca.writeIdentity(dir, SpiffeId.workload("evil.example", "shop", "checkout"));

    assertRefusedAtTheHandshake(id, "no_identity");
  }

  @Test
  void refusesCertificateOfTheMeshCaNamingNoSkiffIdentity() throws Exception {
    Path id =
        f.ca.writeIdentity(
            dir,
            "spiffe://" + TD + "/ns/shop/svc/checkout/extra",
            Instant.now().minusSeconds(60),
            Instant.now().plus(Duration.ofDays(1)));

    assertRefusedAtTheHandshake(id, "no_identity");
  }

  @Test
  void plaintextHttpGetsNoHttpAnswer() throws Exception {
    double before = f.refusals("plaintext");

    ExternalClient.Result r =
        ExternalClient.curl("http://127.0.0.1:" + f.sidecar.port() + "/").run();

    assertNotEquals(0, r.exit(), r.output());
    assertFalse(r.output().contains("HTTP/"), r.output());
    eventually("the refusal is counted", () -> f.refusals("plaintext") >= before + 1);
  }

  @Test
  void refusesTls12() throws Exception {
    Path id = f.ca.writeIdentity(dir, SpiffeId.workload(TD, "shop", "checkout"));

    ExternalClient.Result r =
        ExternalClient.curl("https://127.0.0.1:" + f.sidecar.port() + "/")
            .flags("--tlsv1.2", "--tls-max", "1.2")
            .identity(id)
            .run();

    assertNotEquals(0, r.exit(), r.output());
    assertFalse(r.output().contains("HTTP/"), r.output());
  }

  @Test
  void metricsCarryTheCertificateExpiryOfTheIdentity() {
    var gauge =
        f.registry
            .find("skiff.sidecar.certificate.expiry")
            .tag("identity", SidecarFixture.SELF.uri())
            .tag("revision", "cart-00001")
            .gauge();
    assertEquals(f.identity.current().notAfter().getEpochSecond(), (long) gauge.value());
  }

  private static void assertStatus(int status, ExternalClient.Result r) {
    assertTrue(
        java.util.regex.Pattern.compile("(?m)^HTTP/[0-9.]+ " + status + " ")
            .matcher(r.output())
            .find(),
        "expected status " + status + " in:\n" + r.output());
  }

  private static ExternalClient.Result curl(Path id, String path)
      throws IOException, InterruptedException {
    return ExternalClient.curl("https://127.0.0.1:" + f.sidecar.port() + path)
        .flags("--tlsv1.3")
        .identity(id)
        .run();
  }

  /**
   * curl as {@code id} gets no HTTP answer, and the sidecar counts a refusal for {@code reason}.
   */
  private static void assertRefusedAtTheHandshake(Path id, String reason) throws Exception {
    double before = f.refusals(reason);

    ExternalClient.Result r = curl(id, "/");

    assertNotEquals(0, r.exit(), r.output());
    assertFalse(r.output().contains("HTTP/"), r.output());
    eventually("the refusal is counted", () -> f.refusals(reason) >= before + 1);
  }
}
