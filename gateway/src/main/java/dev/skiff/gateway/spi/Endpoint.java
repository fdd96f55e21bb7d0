package dev.skiff.gateway.spi;

import java.util.Objects;

/**
 * Where one ready instance of a revision (or the activator) accepts HTTP/1.1 requests.
 *
 * @param host an IP address or host name
 * @param port the TCP port, 1-65535
 * @param identity the identity the endpoint's TLS certificate must name (a SPIFFE ID such as {@code
 *     spiffe://skiff.local/ns/NS/svc/NAME}): the gateway then calls it over mutual TLS with its own
 *     identity ({@code Gateway.Builder.withUpstreamTls}); null when the endpoint speaks plaintext
 */
public record Endpoint(String host, int port, String identity) {
  public Endpoint {
    Objects.requireNonNull(host, "host");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be 1-65535, got " + port);
    }
    if (identity != null && identity.isBlank()) {
      throw new IllegalArgumentException(
          "identity must be null (plaintext) or the identity the endpoint's certificate names");
    }
  }

  /** A plaintext endpoint. */
  public Endpoint(String host, int port) {
    this(host, port, null);
  }

  // Written out rather than the record's generated ones: endpoints are map keys on every request
  // (the balancer's load per endpoint), and the generated methods go through method handles.
  @Override
  public boolean equals(Object o) {
    return this == o
        || o instanceof Endpoint e
            && port == e.port
            && host.equals(e.host)
            && Objects.equals(identity, e.identity);
  }

  @Override
  public int hashCode() {
    return (31 * host.hashCode() + port) * 31 + Objects.hashCode(identity);
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
