package dev.skiff.gateway;

import dev.skiff.meshproxy.testing.ExternalClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/** Self-signed certificates made by the real openssl, for the gateway's HTTPS tests. */
record TestCertificates(Path certFile, PrivateKey key, X509Certificate certificate) {

  /** A new P-256 key and a self-signed certificate naming {@code names}, in {@code dir}. */
  static TestCertificates make(Path dir, String file, String... names) throws Exception {
    Path cert = dir.resolve(file + ".crt");
    Path key = dir.resolve(file + ".key");
    StringBuilder san = new StringBuilder("subjectAltName=");
    for (int i = 0; i < names.length; i++) {
      san.append(i == 0 ? "" : ",").append("DNS:").append(names[i]);
    }
    var r =
        ExternalClient.run(
            List.of(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString(),
                "-days",
                "2",
                "-subj",
                "/CN=" + names[0],
                "-addext",
                san.toString()),
            null);
    if (r.exit() != 0) {
      throw new IllegalStateException("openssl req failed: " + r.output());
    }
    String pem = Files.readString(key, StandardCharsets.US_ASCII);
    byte[] der =
        Base64.getMimeDecoder()
            .decode(pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", ""));
    PrivateKey k = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
    X509Certificate c =
        (X509Certificate)
            CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(cert)));
    return new TestCertificates(cert, k, c);
  }

  void serveAs(TlsCertificates certificates, String name) {
    certificates.put(name, key, List.of(certificate));
  }
}
