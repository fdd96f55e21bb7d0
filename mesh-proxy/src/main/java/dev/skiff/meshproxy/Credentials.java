package dev.skiff.meshproxy;

import dev.skiff.api.mesh.IssuedCertificate;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.internal.Pem;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * One issued identity: the private key made here, the certificate chain the issuer signed for it,
 * and the trust bundle that came with it. Checked when made: the leaf names exactly this identity
 * and holds this key.
 *
 * @param id the identity the leaf certifies
 * @param privateKeyPem PKCS#8 PEM; never logged, never sent anywhere
 * @param chainPem leaf first, then intermediates
 * @param trustBundlePem the roots peers are checked against
 * @param chain {@code chainPem} parsed
 * @param roots {@code trustBundlePem} parsed, one or two roots
 */
public record Credentials(
    SpiffeId id,
    String privateKeyPem,
    String chainPem,
    String trustBundlePem,
    List<X509Certificate> chain,
    List<X509Certificate> roots) {

  public Credentials {
    // Every identity of a node holds the same bundle: one copy of its text, not one per service
    // (a root's PEM is most of a KiB; docs/benchmarks.md, density).
    trustBundlePem = trustBundlePem == null ? null : trustBundlePem.intern();
    chain = List.copyOf(chain);
    roots = List.copyOf(roots);
  }

  /** Checks what the issuer answered against the request and the key. */
  public static Credentials of(SpiffeId id, KeyPair keys, IssuedCertificate issued) {
    if (issued == null || issued.certificateChain() == null || issued.trustBundle() == null) {
      throw new InvalidIdentityException(
          "the issuer answered no certificate chain or no trust bundle for " + id);
    }
    List<X509Certificate> chain = Pem.certificates(issued.certificateChain(), "the issued chain");
    List<X509Certificate> roots = Pem.certificates(issued.trustBundle(), "the trust bundle");
    X509Certificate leaf = chain.get(0);
    if (!leaf.getPublicKey().equals(keys.getPublic())) {
      throw new InvalidIdentityException(
          "the issuer answered a certificate for another key than the one requested for " + id);
    }
    List<String> uris = Pem.spiffeUris(leaf);
    if (!uris.equals(List.of(id.uri()))) {
      throw new InvalidIdentityException(
          "the issuer answered a certificate naming " + uris + " instead of " + id);
    }
    return new Credentials(
        id,
        Pem.privateKey(keys.getPrivate()),
        issued.certificateChain(),
        issued.trustBundle(),
        chain,
        roots);
  }

  /** The same key and chain with another trust bundle (a root rotation seen between renewals). */
  public Credentials withTrustBundle(String trustBundlePem) {
    return new Credentials(
        id,
        privateKeyPem,
        chainPem,
        trustBundlePem,
        chain,
        Pem.certificates(trustBundlePem, "the trust bundle"));
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  public Instant notBefore() {
    return leaf().getNotBefore().toInstant();
  }

  public Instant notAfter() {
    return leaf().getNotAfter().toInstant();
  }

  @Override
  public String toString() {
    return "Credentials["
        + id
        + ", serial "
        + leaf().getSerialNumber().toString(16)
        + ", until "
        + notAfter()
        + ", "
        + roots.size()
        + " root(s)]";
  }
}
