package dev.skiff.meshproxy.internal;

import java.util.Locale;

/** Why the sidecar refused a caller: at the TLS handshake, or by policy after it. */
public enum Refusal {
  /** The client sent no certificate. */
  NO_CERTIFICATE,
  /** The client's certificate does not chain to a root of the trust bundle. */
  UNKNOWN_CA,
  /** The client's certificate (or one of its chain) is expired or not yet valid. */
  EXPIRED,
  /** The certificate chains, but names no SPIFFE ID of this trust domain. */
  NO_IDENTITY,
  /** Plaintext sent to a TLS-only listener. */
  PLAINTEXT,
  /** Any other handshake failure (protocol version, cipher, broken record). */
  HANDSHAKE_FAILED,
  /** A valid identity that the service's policy does not allow (403). */
  DENIED_BY_POLICY;

  /** The metric tag value, e.g. {@code no_certificate}. */
  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
