package dev.skiff.server;

import dev.skiff.api.mesh.IssuedCertificate;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.controlplane.mesh.MeshCa;
import dev.skiff.meshproxy.spi.CertificateIssuer;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.Objects;

/**
 * A sidecar's {@link CertificateIssuer} backed by the mesh CA in this JVM: one per identity, which
 * skiffd decides when it makes the sidecar (the CSR only carries the public key; {@link MeshCa}
 * refuses a request naming another identity). The CA's answer is the issuer's answer: both speak
 * api's {@link IssuedCertificate}, trust bundle included; between renewals the sidecar fetches
 * {@link #trustBundle()}.
 */
public final class MeshIssuer implements CertificateIssuer {
  private final MeshCa ca;
  private final SpiffeId id;

  private MeshIssuer(MeshCa ca, SpiffeId id) {
    this.ca = ca;
    this.id = id;
  }

  /**
   * Issues {@code id}'s certificates from {@code ca}; fails unless {@code id} is in the CA's trust
   * domain.
   */
  public static MeshIssuer of(MeshCa ca, SpiffeId id) {
    Objects.requireNonNull(ca, "ca");
    Objects.requireNonNull(id, "id");
    if (!id.trustDomain().equals(ca.trustDomain())) {
      throw new IllegalArgumentException(
          id
              + " is not in the mesh's trust domain '"
              + ca.trustDomain()
              + "': make the sidecar's identity with that trust domain (skiffd --trust-domain)");
    }
    return new MeshIssuer(ca, id);
  }

  /**
   * Asks the CA to sign {@code csrPem} for this issuer's identity. A {@code ttl} outside the CA's
   * bounds fails with the CA's {@code CertificateRequestException} naming them.
   */
  @Override
  public Future<IssuedCertificate> issue(String csrPem, Duration ttl) {
    return ca.issue(csrPem, id, ttl);
  }

  /**
   * The CA's trust bundle now (an in-memory read), which the sidecar fetches between renewals so
   * that during a root rotation it trusts the new root before that root signs anything.
   */
  @Override
  public Future<String> trustBundle() {
    return Future.succeededFuture(ca.trustBundle());
  }

  public SpiffeId id() {
    return id;
  }
}
