package dev.skiff.server;

import dev.skiff.api.mesh.IssuedCertificate;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.spi.CertificateIssuer;
import dev.skiff.nodeagent.EdgeLink;
import io.vertx.core.Future;
import java.time.Duration;

/**
 * An edge component's {@link CertificateIssuer}: the CSR (the key stays in this process) goes to
 * the control plane's node port over the edge's mTLS link (SignComponent). The trust bundle between
 * renewals is the one the link's certificate came with.
 */
final class EdgeIssuer implements CertificateIssuer {
  private final EdgeLink link;
  private final String component;

  EdgeIssuer(EdgeLink link, SpiffeId id) {
    if (id.component() == null) {
      throw new IllegalArgumentException(id + " is not a platform component's identity");
    }
    this.link = link;
    this.component = id.component();
  }

  @Override
  public Future<IssuedCertificate> issue(String csrPem, Duration ttl) {
    return link.sign(component, csrPem, ttl);
  }

  @Override
  public Future<String> trustBundle() {
    return Future.succeededFuture(link.trustBundle());
  }
}
