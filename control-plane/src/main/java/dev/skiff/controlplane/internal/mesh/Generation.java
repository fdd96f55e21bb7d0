package dev.skiff.controlplane.internal.mesh;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HexFormat;

/**
 * One root with its intermediate: what the CA issues from once {@code issuesFrom} has passed, and
 * the latest expiry of any leaf it signed ({@code leavesUntil}), which tells when its root may
 * leave the trust bundle after a rotation.
 */
public record Generation(
    X509Certificate root,
    PrivateKey rootKey,
    X509Certificate intermediate,
    PrivateKey intermediateKey,
    Instant createdAt,
    Instant issuesFrom,
    Instant leavesUntil) {

  /** The root's SHA-256 fingerprint in lower-case hex. */
  public String fingerprint() {
    return fingerprint(root);
  }

  public Generation withLeavesUntil(Instant until) {
    return new Generation(
        root, rootKey, intermediate, intermediateKey, createdAt, issuesFrom, until);
  }

  public Generation withIntermediate(X509Certificate cert, PrivateKey key) {
    return new Generation(root, rootKey, cert, key, createdAt, issuesFrom, leavesUntil);
  }

  public Generation withIssuesFrom(Instant from) {
    return new Generation(
        root, rootKey, intermediate, intermediateKey, createdAt, from, leavesUntil);
  }

  /** The SHA-256 fingerprint of {@code cert} in lower-case hex. */
  public static String fingerprint(X509Certificate cert) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }
}
