package dev.skiff.activator.spi;

import java.util.Objects;

/**
 * Where one ready instance of a revision accepts HTTP requests (its sidecar).
 *
 * @param host an IP address or host name
 * @param port the TCP port, 1-65535; or 0 for an instance this process serves whose listener is not
 *     bound yet: then only its in-process entry ({@link LocalEndpoints}, found by {@code instance})
 *     takes its requests
 * @param identity the identity the endpoint's TLS certificate must name (a SPIFFE ID such as {@code
 *     spiffe://skiff.local/ns/NS/svc/NAME}): the activator then calls it over mutual TLS with its
 *     own identity ({@code Activator.Builder.withUpstreamTls}); null when the endpoint speaks
 *     plaintext
 * @param instance the instance's name on its node, by which {@link LocalEndpoints} finds an
 *     instance served in this process; null when not known (required with port 0)
 */
public record Endpoint(String host, int port, String identity, String instance) {
  public Endpoint {
    Objects.requireNonNull(host, "host");
    if (port == 0 ? instance == null : port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "port must be 1-65535 (or 0 for an instance served in process, named), got " + port);
    }
    if (identity != null && identity.isBlank()) {
      throw new IllegalArgumentException(
          "identity must be null (plaintext) or the identity the endpoint's certificate names");
    }
  }

  /** An endpoint at an address, its instance not named. */
  public Endpoint(String host, int port, String identity) {
    this(host, port, identity, null);
  }

  /** A plaintext endpoint. */
  public Endpoint(String host, int port) {
    this(host, port, null, null);
  }

  /** Whether the endpoint can be called over the network (its listener is bound). */
  public boolean listening() {
    return port > 0;
  }

  @Override
  public String toString() {
    return listening() ? host + ":" + port : "instance " + instance + " (in process)";
  }
}
