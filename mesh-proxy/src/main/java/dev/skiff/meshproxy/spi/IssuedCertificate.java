package dev.skiff.meshproxy.spi;

import java.util.Objects;

/**
 * What a {@link CertificateIssuer} answers.
 *
 * @param chainPem the leaf first, then intermediates, as PEM {@code CERTIFICATE} blocks
 * @param trustBundlePem the roots peers' certificates are checked against (one, or two while a root
 *     is rotated), as PEM {@code CERTIFICATE} blocks
 */
public record IssuedCertificate(String chainPem, String trustBundlePem) {
  public IssuedCertificate {
    Objects.requireNonNull(chainPem, "chainPem");
    Objects.requireNonNull(trustBundlePem, "trustBundlePem");
  }
}
