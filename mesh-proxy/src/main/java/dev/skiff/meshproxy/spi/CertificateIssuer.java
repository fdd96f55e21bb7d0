package dev.skiff.meshproxy.spi;

import io.vertx.core.Future;
import java.time.Duration;

/**
 * Signs the sidecar's certificate requests: the mesh CA, in-process or over the wire. The private
 * key never passes through it; only the PKCS#10 request does.
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
   * @return the leaf, its chain up to (not including) a root, and the trust bundle; fails when the
   *     issuer refuses (the sidecar retries while its current certificate lasts)
   */
  Future<IssuedCertificate> issue(String csrPem, Duration ttl);
}
