package dev.skiff.meshproxy.internal;

import dev.skiff.api.mesh.SpiffeId;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Checks a peer's certificate chain at the handshake, a client's on a listener and a server's on a
 * client alike: it must chain to a root of the trust bundle (one or two roots), be valid now, and
 * its leaf must carry exactly one SPIFFE ID of this trust domain that is a Skiff identity. Each
 * refusal is reported with its reason before the handshake fails. Which identity a server must have
 * is checked by the caller once the handshake is done (an identity per endpoint, connections pooled
 * per endpoint). Immutable; a new trust bundle gets a new verifier. Called on the handshaking event
 * loop (or Netty's delegated task thread).
 */
public final class PeerVerifier extends X509ExtendedTrustManager {
  private final Set<TrustAnchor> anchors;
  private final X509Certificate[] issuers;
  private final String trustDomainPrefix;
  private final Clock clock;
  private final Consumer<Refusal> refused;

  public PeerVerifier(
      List<X509Certificate> roots, String trustDomain, Clock clock, Consumer<Refusal> refused) {
    Set<TrustAnchor> a = new HashSet<>();
    for (X509Certificate root : roots) {
      a.add(new TrustAnchor(root, null));
    }
    this.anchors = Set.copyOf(a);
    this.issuers = roots.toArray(new X509Certificate[0]);
    this.trustDomainPrefix = "spiffe://" + trustDomain + "/";
    this.clock = clock;
    this.refused = refused;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    verify(chain, "client");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    verify(chain, "client");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    verify(chain, "client");
  }

  private void verify(X509Certificate[] chain, String peer) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw refuse(Refusal.NO_CERTIFICATE, "the " + peer + " sent no certificate");
    }
    List<X509Certificate> path = new ArrayList<>();
    for (X509Certificate c : chain) {
      if (!isAnchor(c)) {
        path.add(c);
      }
    }
    try {
      PKIXParameters params = new PKIXParameters(anchors);
      params.setRevocationEnabled(false);
      params.setDate(Date.from(clock.instant()));
      CertPathValidator.getInstance("PKIX")
          .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
    } catch (CertPathValidatorException e) {
      boolean expired =
          e.getReason() == BasicReason.EXPIRED || e.getReason() == BasicReason.NOT_YET_VALID;
      throw refuse(
          expired ? Refusal.EXPIRED : Refusal.UNKNOWN_CA,
          (expired
                  ? "expired " + peer + " certificate: "
                  : peer + " certificate from an unknown CA: ")
              + e.getMessage());
    } catch (GeneralSecurityException e) {
      throw refuse(Refusal.UNKNOWN_CA, peer + " certificate cannot be checked: " + e.getMessage());
    }
    List<String> ids = Pem.spiffeUris(chain[0]);
    if (ids.size() != 1 || !ids.get(0).startsWith(trustDomainPrefix)) {
      throw refuse(
          Refusal.NO_IDENTITY,
          peer + " certificate names " + ids + ", not one SPIFFE ID under " + trustDomainPrefix);
    }
    try {
      SpiffeId.parse(ids.get(0));
    } catch (IllegalArgumentException e) {
      throw refuse(
          Refusal.NO_IDENTITY, peer + " certificate names no Skiff identity: " + e.getMessage());
    }
  }

  private boolean isAnchor(X509Certificate c) {
    for (X509Certificate root : issuers) {
      if (root.equals(c)) {
        return true;
      }
    }
    return false;
  }

  private RefusedPeerException refuse(Refusal reason, String message) {
    refused.accept(reason);
    return new RefusedPeerException(reason, message);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    verify(chain, "server");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    verify(chain, "server");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    verify(chain, "server");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return issuers.clone();
  }

  /** A refusal already counted, so the server's exception handler does not count it again. */
  public static final class RefusedPeerException extends CertificateException {
    private static final long serialVersionUID = 1L;
    private final transient Refusal reason;

    RefusedPeerException(Refusal reason, String message) {
      super(message);
      this.reason = reason;
    }

    public Refusal reason() {
      return reason;
    }
  }
}
