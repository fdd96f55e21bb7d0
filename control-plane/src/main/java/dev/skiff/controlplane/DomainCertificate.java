package dev.skiff.controlplane;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * A certificate the gateway serves for a host name ({@code api.example.com}) or a wildcard ({@code
 * *.example.com}), opened from the store. Never answered over the API: only its dates and names.
 *
 * @param name the host name or wildcard it is served for
 * @param key the private key
 * @param chain the leaf first, then intermediates
 * @param source {@code files} (uploaded) or {@code acme} (issued by the ACME server)
 */
public record DomainCertificate(
    String name, PrivateKey key, List<X509Certificate> chain, String source) {
  public static final String FILES = "files";
  public static final String ACME = "acme";

  public DomainCertificate {
    chain = List.copyOf(chain);
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  public Instant notBefore() {
    return leaf().getNotBefore().toInstant();
  }

  public Instant notAfter() {
    return leaf().getNotAfter().toInstant();
  }

  /** Never the key. */
  @Override
  public String toString() {
    return "DomainCertificate[" + name + ", " + source + ", until " + notAfter() + "]";
  }
}
