package dev.skiff.meshproxy.internal;

import dev.skiff.meshproxy.InvalidIdentityException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** PEM in and out, and the SPIFFE ID of a certificate. */
public final class Pem {
  private static final int URI_SAN = 6;

  /**
   * The CA certificates parsed so far, by their DER encoding, so every identity of a node holds the
   * same parsed intermediate and roots instead of a copy each (a few KiB per copy, per service at
   * zero). Leaves are never kept. Bounded: a trust domain has a root or two and an intermediate;
   * the eldest goes first.
   */
  private static final int MAX_CAS = 32;

  private static final Map<java.nio.ByteBuffer, X509Certificate> CAS =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<java.nio.ByteBuffer, X509Certificate> e) {
          return size() > MAX_CAS;
        }
      };

  private Pem() {}

  /** The certificates of a PEM bundle, in order; fails naming {@code what} when there are none. */
  public static List<X509Certificate> certificates(String pem, String what) {
    try {
      Collection<? extends java.security.cert.Certificate> all =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(
                  new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
      List<X509Certificate> out = new ArrayList<>();
      for (java.security.cert.Certificate c : all) {
        out.add(shared((X509Certificate) c));
      }
      if (out.isEmpty()) {
        throw new InvalidIdentityException(what + " holds no PEM CERTIFICATE block");
      }
      return List.copyOf(out);
    } catch (CertificateException e) {
      throw new InvalidIdentityException(
          what + " is not a PEM certificate bundle: " + e.getMessage(), e);
    }
  }

  /**
   * One certificate from its DER bytes, parsed anew: through {@code generateCertificates}, which
   * keeps nothing, where {@code generateCertificate} would add it to the JDK's own cache of parsed
   * certificates (up to 750, held softly, so a full GC does not empty it).
   */
  public static X509Certificate certificate(byte[] der, String what) {
    try {
      Collection<? extends java.security.cert.Certificate> all =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(der));
      if (all.size() != 1) {
        throw new InvalidIdentityException(
            what + " holds " + all.size() + " certificates instead of one");
      }
      return (X509Certificate) all.iterator().next();
    } catch (CertificateException e) {
      throw new InvalidIdentityException(what + " is not a DER certificate: " + e.getMessage(), e);
    }
  }

  /** The one parsed copy of a CA certificate; a leaf as it is. */
  private static X509Certificate shared(X509Certificate c) throws CertificateException {
    if (c.getBasicConstraints() < 0) {
      return c;
    }
    java.nio.ByteBuffer der = java.nio.ByteBuffer.wrap(c.getEncoded());
    synchronized (CAS) {
      X509Certificate held = CAS.putIfAbsent(der, c);
      return held != null ? held : c;
    }
  }

  /** A PKCS#8 {@code PRIVATE KEY} PEM block. */
  public static String privateKey(PrivateKey key) {
    return block("PRIVATE KEY", key.getEncoded());
  }

  /** One PEM block with 64-column base64. */
  public static String block(String type, byte[] der) {
    String b64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + b64 + "\n-----END " + type + "-----\n";
  }

  /** The certificate's URI SANs that start with {@code spiffe://}. */
  public static List<String> spiffeUris(X509Certificate cert) {
    List<String> out = new ArrayList<>();
    try {
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (san.size() >= 2
              && san.get(0) instanceof Integer type
              && type == URI_SAN
              && san.get(1) instanceof String uri
              && uri.startsWith("spiffe://")) {
            out.add(uri);
          }
        }
      }
    } catch (CertificateParsingException e) {
      return List.of();
    }
    return out;
  }
}
