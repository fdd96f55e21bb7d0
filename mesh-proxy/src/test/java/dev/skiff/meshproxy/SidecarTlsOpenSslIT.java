package dev.skiff.meshproxy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.net.OpenSSLEngineOptions;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;

/** The sidecar's handshake checks with OpenSSL terminating its TLS, as in skiffd. */
class SidecarTlsOpenSslIT extends SidecarTlsChecks {
  @BeforeAll
  static void start() {
    // netty-tcnative is a test dependency of this module: OpenSSL must load here.
    assertTrue(OpenSSLEngineOptions.isAvailable(), "netty-tcnative (OpenSSL) did not load");
    start(MeshTlsEngine.OPENSSL);
  }

  @Override
  MeshTlsEngine engine() {
    return MeshTlsEngine.OPENSSL;
  }

  /** BoringSSL answers a TLS 1.3 client without a certificate with certificate_required (116). */
  @Override
  List<String> noCertificateAlerts() {
    return List.of("alert certificate required");
  }
}
