package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Where a domain goes and how it is served.
 *
 * @param service the service in the mapping's namespace that serves the domain
 * @param tag a traffic tag of that service; null for the service's whole traffic split
 * @param tls {@code auto} (a certificate from the ACME server), {@code files} (a certificate
 *     uploaded with the mapping) or {@code none} (plain HTTP only); default {@code none}
 * @param redirect whether plain HTTP to the domain gets a 308 to HTTPS once it has a certificate;
 *     default true
 * @param hstsMaxAgeSeconds the {@code Strict-Transport-Security} max-age sent over HTTPS; null (the
 *     default) sends none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DomainMappingSpec(
    String service, String tag, String tls, Boolean redirect, Long hstsMaxAgeSeconds) {

  public static final String TLS_AUTO = "auto";
  public static final String TLS_FILES = "files";
  public static final String TLS_NONE = "none";

  public String tlsOrDefault() {
    return tls == null ? TLS_NONE : tls;
  }

  public boolean redirectOrDefault() {
    return redirect == null || redirect;
  }
}
