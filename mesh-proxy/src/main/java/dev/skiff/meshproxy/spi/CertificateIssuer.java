package dev.skiff.meshproxy.spi;

import dev.skiff.api.mesh.IssuedCertificate;
import io.vertx.core.Future;
import java.time.Duration;

/**
 * Signs the sidecar's certificate requests: the mesh CA, in-process or over the wire. The private
 * key never passes through it; only the PKCS#10 request does. It answers api's wire record, the one
 * {@code POST /v1/mesh/certificates} and the in-process CA answer, so an adapter passes it through.
 *
 * <p>Called on a Vert.x event loop or worker thread; must not block. The issuer decides the
 * certificate's lifetime (it may shorten {@code ttl}); the sidecar renews from what it got.
 */
@FunctionalInterface
public interface CertificateIssuer {

  /**
   * Issues a leaf certificate for the request.
   *
   * @param csrPem a PEM {@code CERTIFICATE REQUEST} whose only URI SAN is the identity asked for
   * @param ttl the lifetime asked for
   * @return the leaf and its chain up to (not including) a root in {@link
   *     IssuedCertificate#certificateChain()}, the roots in {@link
   *     IssuedCertificate#trustBundle()}; fails when the issuer refuses (the sidecar retries while
   *     its current certificate lasts)
   */
  Future<IssuedCertificate> issue(String csrPem, Duration ttl);

  /**
   * The current trust bundle, PEM roots, which the sidecar fetches between renewals: during a root
   * rotation the new root joins the bundle a while before it signs leaves, and a sidecar must trust
   * it by then. Must not block. The default answers null: this issuer delivers bundles only with
   * certificates, so the sidecar learns a new root only when it renews.
   */
  default Future<String> trustBundle() {
    return Future.succeededFuture();
  }
}
