package dev.skiff.meshproxy;

/** What the sidecar's listener accepts. */
public enum TlsMode {
  /**
   * TLS 1.3 with a client certificate from the mesh only; anything else is refused at the
   * handshake. The default.
   */
  STRICT,
  /**
   * Also plaintext HTTP (on a second port) and TLS without a client certificate; such callers have
   * no identity, so only a policy with the rule {@code *} lets them through. For migrations only.
   */
  PERMISSIVE
}
