package dev.skiff.proxy;

import java.util.Locale;

/** Why TLS with an upstream endpoint failed, as metrics and error answers name it. */
public enum TlsFailure {
  /** The endpoint's certificate is valid but names another identity than the one expected. */
  IDENTITY_MISMATCH,
  /** The endpoint's certificate does not chain to a trusted root. */
  UNKNOWN_CA,
  /** The endpoint's certificate (or one of its chain) is expired or not yet valid. */
  EXPIRED,
  /** Any other handshake failure (protocol version, cipher, a peer that hung up). */
  HANDSHAKE_FAILED;

  /** The metric tag value, e.g. {@code identity_mismatch}. */
  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
