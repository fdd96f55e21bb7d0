package dev.skiff.nodeagent;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.node.StatMessages;
import dev.skiff.api.node.v1.CertificateResponse;
import dev.skiff.nodeagent.internal.ControlPlaneTrust;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * The node's identity as issued: its key (made here), the chain the mesh CA signed, and the roots
 * the control plane's certificate chains to.
 */
public record NodeCredentials(
    SpiffeId id,
    String privateKeyPem,
    String chainPem,
    String trustBundlePem,
    Instant notBefore,
    Instant notAfter) {

  /** Reads a certificate response for a key made here; checks it names {@code expected}. */
  static NodeCredentials of(SpiffeId expected, String keyPem, CertificateResponse r) {
    if (!expected.uri().equals(r.getSpiffeId())) {
      throw new NodeAgentException(
          "the control plane issued " + r.getSpiffeId() + " instead of " + expected);
    }
    List<X509Certificate> chain = ControlPlaneTrust.certificates(r.getCertificateChainPem());
    if (chain.isEmpty()) {
      throw new NodeAgentException("the control plane answered no certificate for " + expected);
    }
    return new NodeCredentials(
        expected,
        keyPem,
        r.getCertificateChainPem(),
        r.getTrustBundlePem(),
        chain.get(0).getNotBefore().toInstant(),
        StatMessages.instant(r.getNotAfter()));
  }

  /** When to renew: at 70 % of the lifetime. */
  public Instant renewAt() {
    long life = notAfter.toEpochMilli() - notBefore.toEpochMilli();
    return notBefore.plusMillis((long) (life * 0.7));
  }

  @Override
  public String toString() {
    return "NodeCredentials[" + id + ", until " + notAfter + ", key hidden]";
  }
}
