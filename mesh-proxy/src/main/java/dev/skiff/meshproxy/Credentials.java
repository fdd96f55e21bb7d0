package dev.skiff.meshproxy;

import dev.skiff.api.mesh.IssuedCertificate;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.internal.Pem;
import java.lang.ref.WeakReference;
import java.security.KeyPair;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One issued identity: the private key made here, the certificate chain the issuer signed for it,
 * and the trust bundle that came with it. Checked when made: the leaf names exactly this identity
 * and holds this key.
 *
 * <p>Kept compact, because a node holds one per service, most of them at zero: the key and the leaf
 * as their DER bytes, the leaf's validity as two numbers, and the chain's CA certificates and the
 * trust bundle shared with every other identity of the node ({@link Pem}). The leaf is parsed again
 * when a listener or client first needs it ({@link #chain()}, {@link #leaf()}: about 10 µs of CPU),
 * and the parsed copy is kept only while something else holds it (docs/benchmarks.md, density).
 */
public final class Credentials {
  private final SpiffeId id;
  private final byte[] key;
  private final byte[] leafDer;
  private final List<X509Certificate> intermediates;
  private final String trustBundlePem;
  private final List<X509Certificate> roots;
  private final long notBefore;
  private final long notAfter;
  private volatile WeakReference<X509Certificate> parsedLeaf;

  private static final WeakReference<X509Certificate> NOT_PARSED = new WeakReference<>(null);

  /**
   * @param key the private key, PKCS#8 DER; never logged, never sent anywhere
   * @param leaf the leaf certificate, parsed
   * @param intermediates the rest of the chain, leaf excluded
   * @param trustBundlePem the roots peers are checked against
   * @param roots {@code trustBundlePem} parsed, one or two roots
   */
  Credentials(
      SpiffeId id,
      byte[] key,
      X509Certificate leaf,
      List<X509Certificate> intermediates,
      String trustBundlePem,
      List<X509Certificate> roots) {
    this.id = Objects.requireNonNull(id, "id");
    this.key = key.clone();
    this.leafDer = encoded(leaf);
    this.intermediates = List.copyOf(intermediates);
    // Every identity of a node holds the same bundle: one copy of its text, not one per service
    // (a root's PEM is most of a KiB; docs/benchmarks.md, density).
    this.trustBundlePem = trustBundlePem == null ? null : trustBundlePem.intern();
    this.roots = List.copyOf(roots);
    this.notBefore = leaf.getNotBefore().getTime();
    this.notAfter = leaf.getNotAfter().getTime();
    // Not kept from here: parsed again at the first listener or client that needs it.
    this.parsedLeaf = NOT_PARSED;
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
        keys.getPrivate().getEncoded(),
        leaf,
        chain.subList(1, chain.size()),
        issued.trustBundle(),
        roots);
  }

  /** The same key and chain with another trust bundle (a root rotation seen between renewals). */
  public Credentials withTrustBundle(String trustBundlePem) {
    return new Credentials(
        id,
        key,
        leaf(),
        intermediates,
        trustBundlePem,
        Pem.certificates(trustBundlePem, "the trust bundle"));
  }

  /** The identity the leaf certifies. */
  public SpiffeId id() {
    return id;
  }

  /** The private key as a PKCS#8 PEM block; never logged, never sent anywhere. */
  public String privateKeyPem() {
    return Pem.block("PRIVATE KEY", key);
  }

  /** The chain as PEM: the leaf first, then the intermediates. */
  public String chainPem() {
    StringBuilder pem = new StringBuilder(Pem.block("CERTIFICATE", leafDer));
    for (X509Certificate c : intermediates) {
      pem.append(Pem.block("CERTIFICATE", encoded(c)));
    }
    return pem.toString();
  }

  /** The roots peers are checked against, as PEM. */
  public String trustBundlePem() {
    return trustBundlePem;
  }

  /** The chain parsed: the leaf first, then the intermediates. */
  public List<X509Certificate> chain() {
    List<X509Certificate> chain = new ArrayList<>(1 + intermediates.size());
    chain.add(leaf());
    chain.addAll(intermediates);
    return List.copyOf(chain);
  }

  /** {@link #trustBundlePem()} parsed, one or two roots. */
  public List<X509Certificate> roots() {
    return roots;
  }

  /**
   * The leaf certificate: the copy parsed last while anything still holds it (a listener's key
   * manager), else parsed again from its DER bytes.
   */
  public X509Certificate leaf() {
    X509Certificate leaf = parsedLeaf.get();
    if (leaf == null) {
      leaf = Pem.certificate(leafDer, "the leaf certificate of " + id);
      parsedLeaf = new WeakReference<>(leaf);
    }
    return leaf;
  }

  public Instant notBefore() {
    return Instant.ofEpochMilli(notBefore);
  }

  public Instant notAfter() {
    return Instant.ofEpochMilli(notAfter);
  }

  private static byte[] encoded(X509Certificate c) {
    try {
      return c.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new InvalidIdentityException(
          "a certificate of the chain cannot be encoded again: " + e.getMessage(), e);
    }
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
