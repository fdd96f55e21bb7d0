package dev.skiff.server;

import dev.skiff.api.mesh.IssuedCertificate;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.spi.CertificateIssuer;
import dev.skiff.nodeagent.NodeCredentials;
import dev.skiff.nodeagent.WorkCalls;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * A remote node's sidecar {@link CertificateIssuer}: the CSR goes to the control plane's node port
 * (SignWorkload), which has the mesh CA sign it only for a service assigned to this node. The trust
 * bundle between renewals is the one the node's own certificate came with.
 */
final class RemoteIssuer implements CertificateIssuer {
  private final WorkCalls calls;
  private final SpiffeId id;
  private final Supplier<NodeCredentials> node;

  RemoteIssuer(WorkCalls calls, SpiffeId id, Supplier<NodeCredentials> node) {
    if (!id.isWorkload()) {
      throw new IllegalArgumentException(id + " is not a workload identity");
    }
    this.calls = calls;
    this.id = id;
    this.node = node;
  }

  @Override
  public Future<IssuedCertificate> issue(String csrPem, Duration ttl) {
    return calls.signWorkload(id.namespace(), id.service(), csrPem, ttl);
  }

  @Override
  public Future<String> trustBundle() {
    return Future.succeededFuture(trustBundle(node.get()));
  }

  /** The bundle the node's own certificate came with; null before the node has one. */
  static String trustBundle(NodeCredentials node) {
    return node == null ? null : node.trustBundlePem();
  }
}
