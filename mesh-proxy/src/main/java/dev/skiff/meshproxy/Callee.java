package dev.skiff.meshproxy;

import java.util.Objects;

/**
 * One ready instance of a callee, as the outbound side reaches it: its sidecar's address and the
 * identity the sidecar's certificate must name (checked before a byte of the call is sent).
 *
 * @param host the sidecar's address
 * @param port the sidecar's port
 * @param identity the callee's SPIFFE ID, e.g. {@code spiffe://skiff.local/ns/NS/svc/NAME}
 */
public record Callee(String host, int port, String identity) {
  public Callee {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(identity, "identity");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be 1-65535, got " + port);
    }
  }

  @Override
  public String toString() {
    return host + ":" + port + " (" + identity + ")";
  }
}
