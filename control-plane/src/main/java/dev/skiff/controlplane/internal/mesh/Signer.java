package dev.skiff.controlplane.internal.mesh;

import dev.skiff.api.mesh.SpiffeId;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Makes the CA's certificates: self-signed roots, intermediates signed by a root, and workload
 * leaves signed by an intermediate, all ECDSA P-256 with SHA-256. Leaves follow SPIFFE's X.509-SVID
 * profile: one URI SAN, not a CA, key usage digitalSignature, EKU serverAuth and clientAuth.
 */
public final class Signer {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Signer() {}

  /** A new P-256 key pair. */
  public static KeyPair newKeyPair() {
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return gen.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot make P-256 keys: " + e.getMessage(), e);
    }
  }

  /** A self-signed root for {@code trustDomain}; may sign intermediates only (path length 1). */
  public static X509Certificate root(
      KeyPair keys, String trustDomain, Instant notBefore, Instant notAfter) {
    X500Name name = new X500Name("O=skiff,CN=" + trustDomain + " root " + keyTag(keys.getPublic()));
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            name, serial(), Date.from(notBefore), Date.from(notAfter), name, keys.getPublic());
    return build(b, keys.getPublic(), null, keys.getPrivate(), new BasicConstraints(1), caUsage());
  }

  /** An intermediate under {@code root}; may sign leaves only (path length 0). */
  public static X509Certificate intermediate(
      PublicKey key,
      X509Certificate root,
      PrivateKey rootKey,
      String trustDomain,
      Instant notBefore,
      Instant notAfter) {
    X500Name name = new X500Name("O=skiff,CN=" + trustDomain + " intermediate " + keyTag(key));
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            root, serial(), Date.from(notBefore), Date.from(notAfter), name, key);
    return build(b, key, root, rootKey, new BasicConstraints(0), caUsage());
  }

  /** A leaf for {@code id} with {@code key} (the requester's), signed by {@code issuer}. */
  public static X509Certificate leaf(
      PublicKey key,
      SpiffeId id,
      X509Certificate issuer,
      PrivateKey issuerKey,
      Instant notBefore,
      Instant notAfter) {
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            issuer,
            serial(),
            Date.from(notBefore),
            Date.from(notAfter),
            new X500Name("O=skiff"),
            key);
    try {
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, id.uri())));
      b.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
    } catch (CertIOException e) {
      throw new IllegalStateException(e);
    }
    return build(
        b,
        key,
        issuer,
        issuerKey,
        new BasicConstraints(false),
        new KeyUsage(KeyUsage.digitalSignature));
  }

  private static KeyUsage caUsage() {
    return new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign);
  }

  private static X509Certificate build(
      X509v3CertificateBuilder b,
      PublicKey subjectKey,
      X509Certificate issuer,
      PrivateKey signingKey,
      BasicConstraints constraints,
      KeyUsage usage) {
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, constraints);
      b.addExtension(Extension.keyUsage, true, usage);
      b.addExtension(
          Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey));
      if (issuer != null) {
        b.addExtension(
            Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuer));
      }
      byte[] der =
          b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signingKey)).getEncoded();
      // Through generateCertificates, not BouncyCastle's converter: that one goes through
      // generateCertificate, which also keeps the parsed certificate in the JDK's own cache (up to
      // 750, held softly, so a full GC keeps them): about 2.5 KB per leaf this CA signed
      // (docs/benchmarks.md, density).
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(der))
              .iterator()
              .next();
    } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot sign a certificate: " + e.getMessage(), e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  /**
   * The first 8 bytes of the SHA-256 of the key, in hex: names a CA certificate uniquely (chain
   * builders look issuers up by name), even for two made within the same second.
   */
  private static String keyTag(PublicKey key) {
    try {
      byte[] hash = java.security.MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
      return java.util.HexFormat.of().formatHex(hash, 0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no SHA-256: " + e.getMessage(), e);
    }
  }
}
