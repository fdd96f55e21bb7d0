package dev.skiff.meshproxy;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;

/** The sidecar's handshake checks with the JDK's SSLEngine, where OpenSSL does not load. */
class SidecarTlsJdkIT extends SidecarTlsChecks {
  @BeforeAll
  static void start() {
    start(MeshTlsEngine.JDK);
  }

  @Override
  MeshTlsEngine engine() {
    return MeshTlsEngine.JDK;
  }

  /**
   * JSSE answers a missing client certificate with the bad_certificate alert (42) in the JDK 17
   * updates this was written on, and with certificate_required (116, RFC 8446) in 17.0.21.
   */
  @Override
  List<String> noCertificateAlerts() {
    return List.of("alert bad certificate", "alert certificate required");
  }
}
