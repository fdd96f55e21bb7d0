package dev.skiff.api.mesh;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The body of {@code POST /v1/mesh/certificates}: a PKCS#10 request for a workload identity ({@code
 * namespace} and {@code service}) or a component identity ({@code component}). The CA decides the
 * certificate's SPIFFE ID from these fields and the caller's token, never from the CSR.
 *
 * @param csr the PEM-encoded PKCS#10 request, signed by an ECDSA P-256 key
 * @param ttl how long the certificate should be valid ({@code 24h}, {@code 90m}); null for the CA's
 *     default
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CertificateRequest(
    String csr, String namespace, String service, String component, String ttl) {}
