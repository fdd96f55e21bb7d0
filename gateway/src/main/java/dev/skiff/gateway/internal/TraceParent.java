package dev.skiff.gateway.internal;

import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The W3C {@code traceparent} the gateway sends for its hop: the client's trace id and flags with a
 * new parent id (the gateway's span), or a new trace when the client sent none or an invalid one.
 *
 * @param traceId 32 lower-case hex digits, not all zero
 * @param parentId 16 lower-case hex digits, not all zero: the gateway's span id
 * @param flags 2 hex digits; {@code 01} (sampled) for traces the gateway starts
 * @param restarted true when the gateway started a new trace (so the client's tracestate is
 *     dropped)
 */
record TraceParent(String traceId, String parentId, String flags, boolean restarted) {
  static final String HEADER = "traceparent";

  // version-traceid-parentid-flags; a future version may append fields after a dash.
  private static final Pattern FORMAT =
      Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?");
  private static final String ZERO_TRACE = "0".repeat(32);
  private static final String ZERO_SPAN = "0".repeat(16);

  /** The traceparent for the next hop, given the client's header (may be null). */
  static TraceParent nextHop(String incoming) {
    if (incoming != null) {
      Matcher m = FORMAT.matcher(incoming.trim());
      if (m.matches() && valid(m)) {
        return new TraceParent(m.group(2), newSpanId(), m.group(4), false);
      }
    }
    return new TraceParent(newTraceId(), newSpanId(), "01", true);
  }

  private static boolean valid(Matcher m) {
    String version = m.group(1);
    if (version.equals("ff") || (version.equals("00") && m.group(5) != null)) {
      return false;
    }
    return !m.group(2).equals(ZERO_TRACE) && !m.group(3).equals(ZERO_SPAN);
  }

  String header() {
    // One exact-size builder: this runs for every proxied request.
    return new StringBuilder(55)
        .append("00-")
        .append(traceId)
        .append('-')
        .append(parentId)
        .append('-')
        .append(flags)
        .toString();
  }

  static String newTraceId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long hi;
    long lo;
    do {
      hi = r.nextLong();
      lo = r.nextLong();
    } while (hi == 0 && lo == 0);
    char[] out = new char[32];
    hex16(hi, out, 0);
    hex16(lo, out, 16);
    return new String(out);
  }

  static String newSpanId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long id;
    do {
      id = r.nextLong();
    } while (id == 0);
    char[] out = new char[16];
    hex16(id, out, 0);
    return new String(out);
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** Writes {@code v} as 16 lower-case hex digits, zero-padded, at {@code out[at..at+16)}. */
  private static void hex16(long v, char[] out, int at) {
    for (int i = 15; i >= 0; i--) {
      out[at + i] = HEX[(int) (v & 0xF)];
      v >>>= 4;
    }
  }
}
