package dev.skiff.activator.spi;

import java.util.Objects;

/**
 * Where one ready instance of a revision accepts plain HTTP/1.1 requests (its sidecar, or the
 * workload itself while there is no sidecar).
 *
 * @param host an IP address or host name
 * @param port the TCP port, 1-65535
 */
public record Endpoint(String host, int port) {
  public Endpoint {
    Objects.requireNonNull(host, "host");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be 1-65535, got " + port);
    }
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
