package dev.skiff.gateway;

import dev.skiff.testing.SelfSigned;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/** Self-signed certificates made by the real openssl, for the gateway's HTTPS tests. */
record TestCertificates(Path certFile, PrivateKey key, X509Certificate certificate) {

  /** A new P-256 key and a self-signed certificate naming {@code names}, in {@code dir}. */
  static TestCertificates make(Path dir, String file, String... names) throws Exception {
    String[] dns = new String[names.length];
    for (int i = 0; i < names.length; i++) {
      dns[i] = "DNS:" + names[i];
    }
    SelfSigned made = SelfSigned.make(dir, file, 2, names[0], dns);
    return new TestCertificates(made.certFile(), made.privateKey(), made.certificate());
  }

  void serveAs(TlsCertificates certificates, String name) {
    certificates.put(name, key, List.of(certificate));
  }
}
