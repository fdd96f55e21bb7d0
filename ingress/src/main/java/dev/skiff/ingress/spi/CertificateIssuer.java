package dev.skiff.ingress.spi;

import dev.skiff.controlplane.DomainCertificate;
import dev.skiff.ingress.CertificateIssueException;

/**
 * Gets a certificate for one domain from a CA. Blocking: called on a worker thread, one call per
 * domain at a time.
 */
public interface CertificateIssuer {
  /**
   * A new key and a certificate for {@code domain}.
   *
   * @throws CertificateIssueException with the CA's reason when it issues none
   */
  DomainCertificate issue(String domain);
}
