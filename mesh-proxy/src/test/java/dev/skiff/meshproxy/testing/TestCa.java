package dev.skiff.meshproxy.testing;

import dev.skiff.api.mesh.IssuedCertificate;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.spi.CertificateIssuer;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * A throwaway mesh CA for tests: a root and an intermediate (EC P-256), issuing SPIFFE leaves from
 * CSRs as the control plane's CA will, and whole client identities for curl and openssl. Leaves it
 * signs from CSRs also name 127.0.0.1 and localhost, so curl's host check passes against a sidecar
 * on loopback.
 */
public final class TestCa {
  private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

  private final KeyPair rootKey;
  private final X509Certificate root;
  private final KeyPair intermediateKey;
  private final X509Certificate intermediate;
  private final List<X509Certificate> extraRoots = new CopyOnWriteArrayList<>();
  private final List<String> issuedSerials = new CopyOnWriteArrayList<>();

  private TestCa(String name) {
    rootKey = keyPair();
    root =
        sign(
            rootKey,
            new X500Name("CN=" + name + " root"),
            rootKey.getPublic(),
            new X500Name("CN=" + name + " root"),
            Instant.now().minusSeconds(60),
            Instant.now().plus(Duration.ofDays(30)),
            true,
            null);
    intermediateKey = keyPair();
    intermediate =
        sign(
            rootKey,
            new X500Name("CN=" + name + " root"),
            intermediateKey.getPublic(),
            new X500Name("CN=" + name + " intermediate"),
            Instant.now().minusSeconds(60),
            Instant.now().plus(Duration.ofDays(30)),
            true,
            null);
  }

  private X500Name intermediateName() {
    return X500Name.getInstance(intermediate.getSubjectX500Principal().getEncoded());
  }

  public static TestCa create(String name) {
    return new TestCa(name);
  }

  /** Also trusts {@code other}'s root from now on: the bundle holds two roots. */
  public void alsoTrust(TestCa other) {
    extraRoots.add(other.root);
  }

  /** The roots PEM (this CA's root, then any {@link #alsoTrust} added). */
  public String trustBundlePem() {
    StringBuilder b = new StringBuilder(pem(root));
    extraRoots.forEach(r -> b.append(pem(r)));
    return b.toString();
  }

  public String rootPem() {
    return pem(root);
  }

  /** Serial numbers (hex) of the leaves signed from CSRs, in order. */
  public List<String> issuedSerials() {
    return issuedSerials;
  }

  /** The issuer SPI over this CA. */
  public CertificateIssuer issuer() {
    return (csrPem, ttl) -> {
      try {
        return Future.succeededFuture(issue(csrPem, ttl));
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    };
  }

  private volatile Duration backdate = Duration.ofSeconds(1);

  /** Leaves' notBefore lies this far in the past (default 1 s; Skiff's CA backdates 1 min). */
  public TestCa backdating(Duration d) {
    this.backdate = d;
    return this;
  }

  /** Signs the CSR's key with the CSR's SANs (plus loopback names) for {@code ttl}. */
  public IssuedCertificate issue(String csrPem, Duration ttl) {
    try (PEMParser p = new PEMParser(new StringReader(csrPem))) {
      PKCS10CertificationRequest raw = (PKCS10CertificationRequest) p.readObject();
      JcaPKCS10CertificationRequest csr = new JcaPKCS10CertificationRequest(raw);
      Extensions ext =
          Extensions.getInstance(
              raw.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)[0]
                  .getAttrValues()
                  .getObjectAt(0));
      GeneralNames requested = GeneralNames.fromExtensions(ext, Extension.subjectAlternativeName);
      List<GeneralName> names = new ArrayList<>(List.of(requested.getNames()));
      names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
      names.add(new GeneralName(GeneralName.dNSName, "localhost"));
      Instant now = Instant.now();
      X509Certificate leaf =
          sign(
              intermediateKey,
              intermediateName(),
              csr.getPublicKey(),
              new X500Name(""),
              now.minus(backdate),
              now.plus(ttl),
              false,
              new GeneralNames(names.toArray(new GeneralName[0])));
      issuedSerials.add(leaf.getSerialNumber().toString(16));
      return new IssuedCertificate(
          requested.getNames()[0].getName().toString(),
          pem(leaf) + pem(intermediate),
          trustBundlePem(),
          leaf.getNotBefore().toInstant(),
          leaf.getNotAfter().toInstant(),
          leaf.getSerialNumber().toString(16));
    } catch (IOException | java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Writes {@code key.pem}, {@code cert.pem} (leaf and intermediate) and {@code ca.pem} for {@code
   * id}, valid from {@code notBefore} to {@code notAfter}, into a new directory under {@code dir}.
   */
  public Path writeIdentity(Path dir, SpiffeId id, Instant notBefore, Instant notAfter)
      throws IOException {
    return writeIdentity(dir, id.uri(), notBefore, notAfter);
  }

  /**
   * Client options that present the identity {@link #writeIdentity} wrote to {@code identity}
   * ({@code cert.pem}, {@code key.pem}) and trust its bundle ({@code ca.pem}).
   */
  public static HttpClientOptions clientOptions(Path identity) throws IOException {
    return new HttpClientOptions()
        .setSsl(true)
        .setKeyCertOptions(
            new PemKeyCertOptions()
                .setKeyValue(Buffer.buffer(Files.readString(identity.resolve("key.pem"))))
                .setCertValue(Buffer.buffer(Files.readString(identity.resolve("cert.pem")))))
        .setTrustOptions(
            new PemTrustOptions()
                .addCertValue(Buffer.buffer(Files.readString(identity.resolve("ca.pem")))));
  }

  /**
   * Makes {@code options} a mutual-TLS server's: presenting the identity {@link #writeIdentity}
   * wrote to {@code identity} and requiring a client certificate its bundle ({@code ca.pem})
   * trusts.
   */
  public static <T extends NetServerOptions> T serverOptions(T options, Path identity) {
    options
        .setSsl(true)
        .setClientAuth(ClientAuth.REQUIRED)
        .setKeyCertOptions(
            new PemKeyCertOptions()
                .setKeyPath(identity.resolve("key.pem").toString())
                .setCertPath(identity.resolve("cert.pem").toString()))
        .setTrustOptions(new PemTrustOptions().addCertPath(identity.resolve("ca.pem").toString()));
    return options;
  }

  /** {@link #writeIdentity} for any URI SAN, Skiff identity or not. */
  public Path writeIdentity(Path dir, String uri, Instant notBefore, Instant notAfter)
      throws IOException {
    KeyPair keys = keyPair();
    X509Certificate leaf =
        sign(
            intermediateKey,
            intermediateName(),
            keys.getPublic(),
            new X500Name(""),
            notBefore,
            notAfter,
            false,
            new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
    Path out = Files.createTempDirectory(dir, "id");
    Files.writeString(out.resolve("key.pem"), block("PRIVATE KEY", keys.getPrivate().getEncoded()));
    Files.writeString(out.resolve("cert.pem"), pem(leaf) + pem(intermediate));
    Files.writeString(out.resolve("ca.pem"), trustBundlePem());
    return out;
  }

  /** {@link #writeIdentity} valid from a minute ago for a day. */
  public Path writeIdentity(Path dir, SpiffeId id) throws IOException {
    return writeIdentity(
        dir, id, Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(1)));
  }

  private static X509Certificate sign(
      KeyPair issuerKey,
      X500Name issuer,
      PublicKey subjectKey,
      X500Name subject,
      Instant from,
      Instant to,
      boolean ca,
      GeneralNames sans) {
    try {
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              issuer,
              BigInteger.valueOf(SERIAL.incrementAndGet()),
              Date.from(from),
              Date.from(to),
              subject,
              subjectKey);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
      if (ca) {
        b.addExtension(
            Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      } else {
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        b.addExtension(
            Extension.extendedKeyUsage,
            false,
            new ExtendedKeyUsage(
                new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        b.addExtension(Extension.subjectAlternativeName, true, sans);
      }
      return new JcaX509CertificateConverter()
          .getCertificate(
              b.build(
                  new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey.getPrivate())));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair keyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(X509Certificate c) {
    try {
      return block("CERTIFICATE", c.getEncoded());
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String block(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
