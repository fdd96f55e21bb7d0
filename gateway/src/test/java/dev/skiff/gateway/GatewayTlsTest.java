package dev.skiff.gateway;

import static dev.skiff.gateway.Services.mapDomain;
import static dev.skiff.gateway.Services.unmapDomain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.meshproxy.testing.ExternalClient;
import dev.skiff.testing.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's HTTPS listener against real curl and openssl: per-host certificates by SNI, HTTP/2
 * and HTTP/1.1 by ALPN, unknown names refused, live certificate swaps, custom domains with
 * redirects, HSTS and ACME HTTP-01 answers.
 */
class GatewayTlsTest extends GatewayTestBase {
  @TempDir static Path dir;
  static TestCertificates shop;
  static TestCertificates blog;
  static TestCertificates wildcard;
  static TestCertificates shopRenewed;

  final TlsCertificates certificates = new TlsCertificates();
  final AcmeChallenges challenges = new AcmeChallenges();

  @BeforeAll
  static void makeCertificates() throws Exception {
    Prerequisites.require(
        Files.isExecutable(Path.of("/usr/bin/curl")), "curl", "apt-get install curl");
    Prerequisites.require(
        Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl", "apt-get install openssl");
    shop = TestCertificates.make(dir, "shop", "shop.example.test");
    blog = TestCertificates.make(dir, "blog", "blog.example.test");
    wildcard = TestCertificates.make(dir, "wild", "*.apps.example.test");
    shopRenewed = TestCertificates.make(dir, "shop2", "shop.example.test");
  }

  @Override
  Gateway.Builder configure(Gateway.Builder builder) {
    return builder.withTls(certificates).withAcmeChallenges(challenges);
  }

  private int tlsPort() {
    if (gateway.actualTlsPort() < 0) {
      dev.skiff.proxy.testing.Await.await(gateway.startTls("127.0.0.1", 0));
    }
    return gateway.actualTlsPort();
  }

  /** curl over HTTPS to {@code host} at the gateway; prints the body, then version and status. */
  private ExternalClient.Result curl(String host, TestCertificates trust, String... extra)
      throws Exception {
    int port = tlsPort();
    List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10"));
    cmd.addAll(List.of(extra));
    cmd.addAll(
        List.of(
            "--resolve",
            host + ":" + port + ":127.0.0.1",
            "--cacert",
            trust.certFile().toString(),
            "-w",
            "\n%{http_version} %{http_code}",
            "https://" + host + ":" + port + "/hello"));
    return ExternalClient.run(cmd, null);
  }

  /** openssl s_client's account of a handshake naming {@code sni}. */
  private String handshake(String sni) throws Exception {
    return ExternalClient.run(
            List.of(
                "openssl",
                "s_client",
                "-connect",
                "127.0.0.1:" + tlsPort(),
                "-servername",
                sni,
                "-brief"),
            "")
        .output();
  }

  private void mapShopAndBlog() {
    deployEcho("shop");
    deployEcho("blog");
    shop.serveAs(certificates, "shop.example.test");
    blog.serveAs(certificates, "blog.example.test");
    gateway.onResourceEvent(mapDomain(NS, "shop.example.test", "shop", null, "files", null, null));
    gateway.onResourceEvent(mapDomain(NS, "blog.example.test", "blog", null, "files", null, null));
  }

  @Test
  void eachDomainGetsItsOwnCertificateOverHttp2AndHttp11() throws Exception {
    mapShopAndBlog();

    var h2 = curl("shop.example.test", shop, "--http2");
    var h1 = curl("blog.example.test", blog, "--http1.1");

    assertEquals(0, h2.exit(), h2.output());
    assertTrue(h2.output().endsWith("\n2 200"), h2.output());
    assertTrue(h2.output().startsWith("shop-00001"), h2.output());
    assertEquals(0, h1.exit(), h1.output());
    assertTrue(h1.output().endsWith("\n1.1 200"), h1.output());
    assertTrue(h1.output().startsWith("blog-00001"), h1.output());
  }

  @Test
  void httpsListenerTerminatesTlsWithOpenSslOnLinuxX86AndServesOverIt() throws Exception {
    mapShopAndBlog();

    var h1 = curl("shop.example.test", shop, "--http1.1");

    // netty-tcnative's BoringSSL is on the test class path (as in skiffd) for Linux x86-64 only;
    // elsewhere the JDK's engine serves, and the gauge says so.
    boolean linuxX86 =
        System.getProperty("os.name").startsWith("Linux")
            && List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
    String engine = linuxX86 ? "openssl" : "jdk";
    assertEquals(
        1.0,
        registry.get("skiff.gateway.tls.engine").tag("engine", engine).gauge().value(),
        "the HTTPS listener should report TLS by " + engine);
    assertEquals(0, h1.exit(), h1.output());
    assertTrue(h1.output().startsWith("shop-00001"), h1.output());
    assertTrue(h1.output().endsWith("\n1.1 200"), h1.output());
  }

  @Test
  void tls12AndTls13AreBothSpoken() throws Exception {
    mapShopAndBlog();

    var v12 = curl("shop.example.test", shop, "--tlsv1.2", "--tls-max", "1.2", "-v");
    var v13 = curl("shop.example.test", shop, "--tlsv1.3", "-v");

    assertTrue(v12.output().contains("TLSv1.2"), v12.output());
    assertTrue(v12.output().endsWith(" 200"), v12.output());
    assertTrue(v13.output().contains("TLSv1.3"), v13.output());
    assertTrue(v13.output().endsWith(" 200"), v13.output());
  }

  @Test
  void unknownSniNameFailsTheHandshakeAndNeverSeesAnotherDomainsCertificate() throws Exception {
    mapShopAndBlog();

    String unknown = handshake("other.example.test");
    String known = handshake("shop.example.test");

    assertTrue(known.contains("CN = shop.example.test"), known);
    assertFalse(unknown.contains("example.test"), unknown);
    assertTrue(unknown.toLowerCase().contains("alert") || unknown.contains("error"), unknown);
  }

  @Test
  void wildcardCertificateServesEveryHostUnderIt() throws Exception {
    deployEcho("api");
    wildcard.serveAs(certificates, "*.apps.example.test");
    gateway.onResourceEvent(
        mapDomain(NS, "api.apps.example.test", "api", null, "files", null, null));

    var r = curl("api.apps.example.test", wildcard, "--http2");

    assertTrue(r.output().endsWith("\n2 200"), r.output());
    assertFalse(handshake("deeper.api.apps.example.test").contains("apps.example.test"));
  }

  @Test
  void renewedCertificateServesTheNextHandshakeWhileOpenConnectionsCarryOn() throws Exception {
    mapShopAndBlog();
    var client =
        client(
            new io.vertx.core.http.HttpClientOptions()
                .setSsl(true)
                .setUseAlpn(true)
                .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2)
                .setTrustAll(true)
                .setVerifyHost(false));
    var at =
        new io.vertx.core.http.RequestOptions()
            .setServer(io.vertx.core.net.SocketAddress.inetSocketAddress(tlsPort(), "127.0.0.1"))
            .setHost("shop.example.test")
            .setPort(tlsPort())
            .setURI("/hello");
    var before = dev.skiff.proxy.testing.Await.await(exchange(client, at, null));
    assertEquals(200, before.status());

    shopRenewed.serveAs(certificates, "shop.example.test");

    var after = dev.skiff.proxy.testing.Await.await(exchange(client, at, null));
    assertEquals(200, after.status(), "the open HTTP/2 connection still serves");
    var r = curl("shop.example.test", shopRenewed, "--http2");
    assertTrue(r.output().endsWith("\n2 200"), r.output());
    var old = curl("shop.example.test", shop, "--http2");
    assertNotEquals(0, old.exit(), "a client trusting only the old certificate: " + old.output());
  }

  @Test
  void plainHttpToAMappedDomainWithACertificateGets308ToHttps() {
    mapShopAndBlog();
    tlsPort();

    var r = get("shop.example.test", "/cart?id=1");

    assertEquals(308, r.status());
    assertEquals(
        "https://shop.example.test:" + gateway.actualTlsPort() + "/cart?id=1",
        r.header("location"));
  }

  @Test
  void noRedirectDomainAndDomainsWithoutTlsServePlainHttp() {
    deployEcho("shop");
    deployEcho("blog");
    shop.serveAs(certificates, "shop.example.test");
    gateway.onResourceEvent(mapDomain(NS, "shop.example.test", "shop", null, "files", false, null));
    gateway.onResourceEvent(mapDomain(NS, "blog.example.test", "blog", null, "none", null, null));

    assertEquals(200, get("shop.example.test", "/").status());
    assertEquals("blog-00001", get("blog.example.test", "/").body().toString());
  }

  @Test
  void acmeChallengeIsAnsweredBeforeAnyRedirect() {
    mapShopAndBlog();
    challenges.put("tok-123", "tok-123.thumbprint");

    var r = get("shop.example.test", "/.well-known/acme-challenge/tok-123");

    assertEquals(200, r.status());
    assertEquals("tok-123.thumbprint", r.body().toString());
    challenges.remove("tok-123");
    assertEquals(308, get("shop.example.test", "/.well-known/acme-challenge/tok-123").status());
  }

  @Test
  void hstsIsSentOverHttpsOnlyWhenTheMappingAsksForIt() throws Exception {
    mapShopAndBlog();
    gateway.onResourceEvent(
        mapDomain(NS, "shop.example.test", "shop", null, "files", null, 31536000L));

    var withHsts = curl("shop.example.test", shop, "-D", "-");
    var without = curl("blog.example.test", blog, "-D", "-");

    assertTrue(
        withHsts.output().toLowerCase().contains("strict-transport-security: max-age=31536000"),
        withHsts.output());
    assertFalse(without.output().toLowerCase().contains("strict-transport-security"));
  }

  @Test
  void mappedDomainRoutesToItsServiceUntilUnmapped() {
    deployEcho("shop");
    gateway.onResourceEvent(mapDomain(NS, "shop.example.test", "shop", null, "none", null, null));
    assertEquals("shop-00001", get("shop.example.test", "/").body().toString());

    gateway.onResourceEvent(unmapDomain("shop.example.test"));

    assertEquals(404, get("shop.example.test", "/").status());
  }
}
