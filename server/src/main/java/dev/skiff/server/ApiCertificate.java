package dev.skiff.server;

import dev.skiff.controlplane.ControlPlane;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The API's own certificate when it is served beyond loopback and the operator gave none: a
 * self-signed ECDSA P-256 certificate made at the first such start and kept in {@code
 * {data-dir}/api-tls/} ({@code cert.pem}, {@code key.pem} mode 0600), valid for 10 years, for the
 * loopback addresses, localhost, the bind address and every {@code --api-hostname}. It is reused
 * while it names every one of those; otherwise a new one is made.
 */
final class ApiCertificate {
  static final String DIR = "api-tls";

  private ApiCertificate() {}

  /** The certificate to serve with, generated when missing. Blocking. */
  static ControlPlane.Tls loadOrCreate(Path dataDir, String bindHost, List<String> hostnames) {
    Path dir = dataDir.resolve(DIR);
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Set<String> names = new LinkedHashSet<>(List.of("127.0.0.1", "::1", "localhost"));
    if (!isWildcard(bindHost)) {
      names.add(bindHost);
    }
    names.addAll(hostnames);
    Path namesFile = dir.resolve("names");
    String wanted = String.join("\n", names);
    try {
      if (Files.exists(cert)
          && Files.exists(key)
          && Files.exists(namesFile)
          && Files.readString(namesFile).equals(wanted)) {
        return new ControlPlane.Tls(cert, key);
      }
      SecretFiles.directory(dir);
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair pair = gen.generateKeyPair();
      X500Name subject = new X500Name("CN=skiffd API");
      Instant now = Instant.now();
      JcaX509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              subject,
              new BigInteger(128, new SecureRandom()),
              Date.from(now.minus(Duration.ofMinutes(5))),
              Date.from(now.plus(Duration.ofDays(3650))),
              subject,
              pair.getPublic());
      List<GeneralName> sans = new ArrayList<>();
      for (String n : names) {
        sans.add(new GeneralName(isIp(n) ? GeneralName.iPAddress : GeneralName.dNSName, n));
      }
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(sans.toArray(GeneralName[]::new)));
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      X509CertificateHolder holder =
          b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
      SecretFiles.write(key, pem(new JcaPKCS8Generator(pair.getPrivate(), null)));
      Files.write(cert, pem(new JcaX509CertificateConverter().getCertificate(holder)));
      Files.writeString(namesFile, wanted);
      return new ControlPlane.Tls(cert, key);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make the API certificate in " + dir, e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make the API certificate: " + e.getMessage(), e);
    }
  }

  static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
  }

  private static boolean isIp(String s) {
    return s.matches("\\d{1,3}(\\.\\d{1,3}){3}") || s.contains(":");
  }

  /** Whether {@code host} names only this machine's loopback interface. Blocking (may resolve). */
  static boolean isLoopback(String host) {
    try {
      for (InetAddress a : InetAddress.getAllByName(host)) {
        if (!a.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException("--api-host " + host + " does not resolve", e);
    }
  }

  private static byte[] pem(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      if (o instanceof JcaPKCS8Generator g) {
        pw.writeObject(g.generate());
      } else {
        pw.writeObject(o);
      }
    }
    return w.toString().getBytes(StandardCharsets.UTF_8);
  }
}
