package dev.skiff.controlplane.internal.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** Token generation, hashing and constant-time comparison. */
public final class Secrets {
  /** Every token Skiff makes starts with this, so secret scanners can spot leaked ones. */
  public static final String PREFIX = "skiff_";

  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {}

  /** A new token: {@value #PREFIX} then 256 random bits, base64url without padding. */
  public static String newToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** SHA-256 of the token's UTF-8 bytes, hex: what is stored instead of the token. */
  public static String hash(String token) {
    return HexFormat.of().formatHex(digest(token));
  }

  /** Whether {@code token} hashes to {@code hexHash}, in time independent of where they differ. */
  public static boolean matches(String token, String hexHash) {
    byte[] expected;
    try {
      expected = HexFormat.of().parseHex(hexHash);
    } catch (IllegalArgumentException e) {
      return false;
    }
    return MessageDigest.isEqual(digest(token), expected);
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
