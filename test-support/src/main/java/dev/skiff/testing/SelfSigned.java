package dev.skiff.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate made by the real openssl: a new P-256 key and an X.509 certificate with
 * the given subject alternative names, written as PEM files, for tests of TLS listeners and
 * certificate stores.
 */
public record SelfSigned(Path certFile, Path keyFile) {

  /**
   * Makes {@code {name}.crt} and {@code {name}.key} in {@code dir}, valid for {@code days}, with
   * the common name {@code commonName} and the names {@code altNames} in openssl's form ({@code
   * DNS:example.com}, {@code IP:127.0.0.1}).
   */
  public static SelfSigned make(
      Path dir, String name, int days, String commonName, String... altNames)
      throws IOException, InterruptedException {
    Path cert = dir.resolve(name + ".crt");
    Path key = dir.resolve(name + ".key");
    List<String> command =
        new ArrayList<>(
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
                Integer.toString(days),
                "-subj",
                "/CN=" + commonName));
    if (altNames.length > 0) {
      command.add("-addext");
      command.add("subjectAltName=" + String.join(",", altNames));
    }
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output = p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException(
          "openssl req failed: " + new String(output, StandardCharsets.UTF_8));
    }
    return new SelfSigned(cert, key);
  }

  /** The certificate as PEM. */
  public String certPem() throws IOException {
    return Files.readString(certFile, StandardCharsets.US_ASCII);
  }

  /** The private key as PEM (PKCS #8). */
  public String keyPem() throws IOException {
    return Files.readString(keyFile, StandardCharsets.US_ASCII);
  }

  /** The certificate, parsed. */
  public X509Certificate certificate() throws IOException, GeneralSecurityException {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(certFile)));
  }

  /** The private key, parsed. */
  public PrivateKey privateKey() throws IOException, GeneralSecurityException {
    byte[] der =
        Base64.getMimeDecoder()
            .decode(keyPem().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", ""));
    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
  }
}
