package dev.skiff.meshproxy;

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

  /** JSSE answers a missing client certificate with the bad_certificate alert (42). */
  @Override
  String noCertificateAlert() {
    return "alert bad certificate";
  }
}
