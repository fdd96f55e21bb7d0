package dev.skiff.controlplane.internal.secrets;

import dev.skiff.controlplane.BadRequestException;
import dev.skiff.controlplane.DomainCertificate;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Reads and checks a certificate chain and its private key given as PEM text: the chain parses, the
 * key is the leaf's, the leaf names the host and has not expired. Every refusal says which part is
 * wrong.
 */
public final class CertificatePem {
  private static final String CERT_HINT =
      "give the certificate chain as PEM (-----BEGIN CERTIFICATE-----), leaf first, e.g. the"
          + " fullchain.pem a CA gave you";
  private static final String KEY_HINT =
      "give the private key as unencrypted PEM (-----BEGIN PRIVATE KEY----- or -----BEGIN EC/RSA"
          + " PRIVATE KEY-----)";

  private CertificatePem() {}

  /** The chain and key, checked for serving {@code name} at {@code now}. */
  public static DomainCertificate read(
      String name, String chainPem, String keyPem, String source, Instant now) {
    List<X509Certificate> chain = chain(chainPem);
    PrivateKey key = key(keyPem);
    X509Certificate leaf = chain.get(0);
    if (!matches(key, leaf)) {
      throw BadRequestException.of(
          "key", "is not the private key of the certificate's leaf", "give the leaf's own key");
    }
    if (!covers(leaf, name)) {
      throw BadRequestException.of(
          "certificate",
          "does not name " + name + " (its names: " + dnsNames(leaf) + ")",
          "give a certificate whose subjectAltName lists " + name);
    }
    if (leaf.getNotAfter().toInstant().isBefore(now)) {
      throw BadRequestException.of(
          "certificate", "expired at " + leaf.getNotAfter().toInstant(), "give a current one");
    }
    return new DomainCertificate(name, key, chain, source);
  }

  /** The certificates of a stored (already checked) chain. */
  public static List<X509Certificate> chainOf(String pem) {
    return chain(pem);
  }

  static List<X509Certificate> chain(String pem) {
    if (pem == null || pem.isBlank()) {
      throw BadRequestException.of("certificate", "is required", CERT_HINT);
    }
    try {
      List<X509Certificate> out = new ArrayList<>();
      for (var c :
          CertificateFactory.getInstance("X.509")
              .generateCertificates(
                  new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) {
        throw BadRequestException.of("certificate", "holds no certificate", CERT_HINT);
      }
      return out;
    } catch (GeneralSecurityException e) {
      throw BadRequestException.of("certificate", "is not readable: " + e.getMessage(), CERT_HINT);
    }
  }

  static PrivateKey key(String pem) {
    if (pem == null || pem.isBlank()) {
      throw BadRequestException.of("key", "is required", KEY_HINT);
    }
    try (PEMParser p = new PEMParser(new StringReader(pem))) {
      Object o = p.readObject();
      JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
      if (o instanceof PrivateKeyInfo info) {
        return conv.getPrivateKey(info);
      }
      if (o instanceof PEMKeyPair pair) {
        return conv.getKeyPair(pair).getPrivate();
      }
      throw BadRequestException.of("key", "holds no unencrypted private key", KEY_HINT);
    } catch (IOException | RuntimeException e) {
      if (e instanceof BadRequestException b) {
        throw b;
      }
      throw BadRequestException.of("key", "is not readable: " + e.getMessage(), KEY_HINT);
    }
  }

  /** Whether a signature made with {@code key} verifies with the leaf's public key. */
  static boolean matches(PrivateKey key, X509Certificate leaf) {
    String alg = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    byte[] probe = new byte[32];
    new SecureRandom().nextBytes(probe);
    try {
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(leaf.getPublicKey());
      v.update(probe);
      return v.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** Whether the leaf's DNS names cover {@code name} (equal, or a wildcard for its parent). */
  public static boolean covers(X509Certificate leaf, String name) {
    for (String n : dnsNames(leaf)) {
      String dns = n.toLowerCase(Locale.ROOT);
      if (dns.equals(name)) {
        return true;
      }
      int dot = name.indexOf('.');
      if (dns.startsWith("*.") && dot > 0 && dns.substring(1).equals(name.substring(dot))) {
        return true;
      }
    }
    return false;
  }

  static List<String> dnsNames(X509Certificate leaf) {
    List<String> out = new ArrayList<>();
    try {
      var sans = leaf.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (Integer.valueOf(2).equals(san.get(0))) {
            out.add(String.valueOf(san.get(1)));
          }
        }
      }
    } catch (GeneralSecurityException e) {
      return out;
    }
    return out;
  }
}
