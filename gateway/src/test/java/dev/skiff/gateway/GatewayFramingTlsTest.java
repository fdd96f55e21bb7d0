package dev.skiff.gateway;

import dev.skiff.proxy.testing.Await;
import dev.skiff.proxy.testing.RawHttp;
import dev.skiff.testing.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** {@link GatewayFramingTest}'s edge checks over the gateway's HTTPS listener. */
class GatewayFramingTlsTest extends GatewayFramingTest {
  @TempDir static Path dir;
  static TestCertificates hello;

  final TlsCertificates certificates = new TlsCertificates();

  @BeforeAll
  static void makeCertificate() throws Exception {
    Prerequisites.require(
        Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl", "apt-get install openssl");
    hello = TestCertificates.make(dir, "hello", "*.default.localhost");
  }

  @Override
  Gateway.Builder configure(Gateway.Builder builder) {
    hello.serveAs(certificates, "*.default.localhost");
    return builder.withTls(certificates);
  }

  @Override
  RawHttp connect() {
    if (gateway.actualTlsPort() < 0) {
      Await.await(gateway.startTls("127.0.0.1", 0));
    }
    return RawHttp.connectTls(gateway.actualTlsPort(), "hello.default.localhost");
  }
}
