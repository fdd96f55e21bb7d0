package dev.skiff.wasm.internal;

import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;

/** Chicory writes module digests as {@code sha-256:<base64>}; Skiff shows and files them as hex. */
final class Digests {
  private static final String SHA256 = "sha-256:";

  private Digests() {}

  /**
   * The hex SHA-256 of a Chicory digest, or the digest made filename-safe if it is another kind.
   */
  static String hex(String chicoryDigest) {
    if (chicoryDigest.toLowerCase(Locale.ROOT).startsWith(SHA256)) {
      byte[] raw = Base64.getDecoder().decode(chicoryDigest.substring(SHA256.length()));
      return HexFormat.of().formatHex(raw);
    }
    return chicoryDigest.replaceAll("[^A-Za-z0-9._-]", "_");
  }
}
