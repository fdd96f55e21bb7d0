package dev.skiff.gateway.internal;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** {@code X-Request-Id}: the client's when it is sane, else a fresh random UUID. */
final class RequestIds {
  static final String HEADER = "x-request-id";
  private static final int MAX_LENGTH = 200;

  private RequestIds() {}

  static String acceptOrMint(String given) {
    return isSane(given) ? given : mint();
  }

  /** A version 4 UUID; ThreadLocalRandom because ids need uniqueness, not secrecy. */
  static String mint() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
    long lsb = (r.nextLong() & ~(0xCL << 60)) | (0x8L << 60);
    return new UUID(msb, lsb).toString();
  }

  /** Non-empty, bounded, visible ASCII only (it is echoed into headers and logs). */
  private static boolean isSane(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }
}
