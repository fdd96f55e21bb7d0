package dev.skiff.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.skiff.proxy.testing.Await;
import dev.skiff.proxy.testing.RawHttp;
import dev.skiff.testing.Prerequisites;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's connection caps span both listeners: a client holding its share on plain HTTP gets
 * no more over HTTPS.
 */
class GatewayTlsCapsTest extends GatewayTestBase {
  private static final String HOST = "hello.default.localhost";
  private static final String GET = "GET / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n";

  @TempDir static Path dir;
  static TestCertificates hello;

  final TlsCertificates certificates = new TlsCertificates();
  private final List<RawHttp> held = new ArrayList<>();

  @BeforeAll
  static void makeCertificate() throws Exception {
    Prerequisites.require(
        Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl", "apt-get install openssl");
    hello = TestCertificates.make(dir, "hello", HOST);
  }

  @Override
  Gateway.Builder configure(Gateway.Builder builder) {
    hello.serveAs(certificates, HOST);
    return builder.withTls(certificates).withMaxConnectionsPerClient(2);
  }

  @AfterEach
  void closeHeld() {
    held.forEach(RawHttp::close);
  }

  @Test
  void connectionsOnPlainHttpCountAgainstTheCapOnHttps() {
    deployEcho("hello");
    closeClients(); // the base's pooled client would count against the cap
    Await.await(gateway.startTls("127.0.0.1", 0));
    RawHttp tls = RawHttp.connectTls(gateway.actualTlsPort(), HOST);
    held.add(tls);
    assertEquals(200, tls.send(GET).readUntil("hello-00001", 10_000).status());
    RawHttp plain = RawHttp.connect(gateway.actualPort());
    held.add(plain);
    assertEquals(200, plain.send(GET).readUntil("hello-00001", 10_000).status());

    assertThrows(
        UncheckedIOException.class,
        () -> held.add(RawHttp.connectTls(gateway.actualTlsPort(), HOST)),
        "a third connection from the same address is closed at accept, on either listener");
  }
}
