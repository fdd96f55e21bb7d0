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
import java.util.List;

/** PEM in and out, and the SPIFFE ID of a certificate. */
public final class Pem {
  private static final int URI_SAN = 6;

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
        out.add((X509Certificate) c);
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
