package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * The state of a domain's certificate, written by the control plane (files) or the ACME issuer.
 *
 * @param certificate {@code pending}, {@code ready} or {@code failed}; null without TLS
 * @param reason why the last attempt failed (the ACME server's problem detail), or null
 * @param notAfter when the certificate served now expires; null before the first one
 * @param renewAt when the issuer will next try to renew it (or, after a failure, retry)
 * @param failures failed attempts since the last success
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DomainMappingStatus(
    String certificate, String reason, Instant notAfter, Instant renewAt, Integer failures) {

  public static final String PENDING = "pending";
  public static final String READY = "ready";
  public static final String FAILED = "failed";
}
