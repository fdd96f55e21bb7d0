package dev.skiff.meshproxy.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * The few DNS messages (RFC 1035) the node's responder reads and writes: a standard query of one
 * question, and its answer with at most one IPv4 address. Strict: anything else is refused or not
 * answered, and every length is checked against the packet before it is read.
 */
public final class DnsMessage {
  public static final int TYPE_A = 1;
  public static final int TYPE_AAAA = 28;
  public static final int CLASS_IN = 1;
  public static final int NOERROR = 0;
  public static final int FORMERR = 1;
  public static final int NXDOMAIN = 3;
  public static final int NOTIMP = 4;
  public static final int REFUSED = 5;

  /** The classic UDP limit; a query is far smaller, so a longer packet is not one. */
  public static final int MAX_UDP = 512;

  private static final int HEADER = 12;
  private static final int MAX_NAME = 255;

  /**
   * A query's question.
   *
   * @param name the name asked for, lower case, without the final dot; null when a label holds a
   *     byte a host name cannot (such a name exists nowhere here)
   * @param question the question's own bytes, echoed in the answer (case kept, for clients that
   *     randomise it)
   */
  public record Query(
      int id, boolean recursionDesired, String name, int type, int qclass, byte[] question) {}

  /** What to do with a packet: answer it with {@link #reply}, or send nothing. */
  public record Parsed(Query query, byte[] reply) {
    static Parsed drop() {
      return new Parsed(null, null);
    }

    public boolean dropped() {
      return query == null && reply == null;
    }
  }

  private DnsMessage() {}

  /**
   * Reads {@code packet}: a well-formed query ({@link Parsed#query()}); an error answer for a query
   * this responder will not serve ({@link Parsed#reply()}: FORMERR, NOTIMP); or nothing to send for
   * what is not a query at all (too short or long, or a response, which must never be answered).
   */
  public static Parsed parse(byte[] packet) {
    if (packet.length < HEADER || packet.length > MAX_UDP) {
      return Parsed.drop();
    }
    int id = u16(packet, 0);
    int flags = u16(packet, 2);
    if ((flags & 0x8000) != 0) {
      return Parsed.drop();
    }
    int opcode = (flags >>> 11) & 0xF;
    boolean rd = (flags & 0x0100) != 0;
    if (opcode != 0) {
      return new Parsed(null, header(id, opcode, rd, NOTIMP, 0, 0));
    }
    int qd = u16(packet, 4);
    int an = u16(packet, 6);
    int ns = u16(packet, 8);
    int ar = u16(packet, 10);
    // One question; an OPT record (EDNS) in the additional section is allowed and ignored.
    if (qd != 1 || an != 0 || ns != 0 || ar > 1) {
      return new Parsed(null, header(id, 0, rd, FORMERR, 0, 0));
    }
    StringBuilder name = new StringBuilder();
    boolean hostName = true;
    int at = HEADER;
    while (true) {
      if (at >= packet.length) {
        return new Parsed(null, header(id, 0, rd, FORMERR, 0, 0));
      }
      int len = packet[at] & 0xFF;
      if (len == 0) {
        at++;
        break;
      }
      // No compression pointers (0xC0) or extended label types in a question.
      if (len > 63 || at + 1 + len > packet.length || at + 1 + len - HEADER > MAX_NAME) {
        return new Parsed(null, header(id, 0, rd, FORMERR, 0, 0));
      }
      if (name.length() > 0) {
        name.append('.');
      }
      for (int i = at + 1; i <= at + len; i++) {
        char c = (char) (packet[i] & 0xFF);
        hostName &= isHostChar(c);
        name.append(c);
      }
      at += 1 + len;
    }
    if (at + 4 > packet.length) {
      return new Parsed(null, header(id, 0, rd, FORMERR, 0, 0));
    }
    int type = u16(packet, at);
    int qclass = u16(packet, at + 2);
    at += 4;
    String n = hostName && name.length() > 0 ? name.toString().toLowerCase(Locale.ROOT) : null;
    return new Parsed(
        new Query(id, rd, n, type, qclass, Arrays.copyOfRange(packet, HEADER, at)), null);
  }

  /** The authoritative answer to {@code q}: {@code rcode}, and {@code ipv4} when not null. */
  public static byte[] answer(Query q, int rcode, byte[] ipv4, int ttlSeconds) {
    if (ipv4 != null && ipv4.length != 4) {
      throw new IllegalArgumentException("an A record holds 4 bytes, not " + ipv4.length);
    }
    byte[] head = header(q.id(), 0, q.recursionDesired(), rcode, 1, ipv4 == null ? 0 : 1);
    int size = head.length + q.question().length + (ipv4 == null ? 0 : 16);
    byte[] out = Arrays.copyOf(head, size);
    System.arraycopy(q.question(), 0, out, head.length, q.question().length);
    if (ipv4 != null) {
      int at = head.length + q.question().length;
      // The name as a pointer to the question's (offset 12), then type A, class IN, TTL, length.
      put16(out, at, 0xC000 | HEADER);
      put16(out, at + 2, TYPE_A);
      put16(out, at + 4, CLASS_IN);
      put16(out, at + 6, ttlSeconds >>> 16);
      put16(out, at + 8, ttlSeconds & 0xFFFF);
      put16(out, at + 10, 4);
      System.arraycopy(ipv4, 0, out, at + 12, 4);
    }
    return out;
  }

  /** A query for {@code name} of {@code type}, as a client sends it (for tests and probes). */
  public static byte[] query(int id, String name, int type) {
    byte[] labels = name.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[HEADER + labels.length + 2 + 4];
    put16(out, 0, id);
    put16(out, 2, 0x0100);
    put16(out, 4, 1);
    int at = HEADER;
    for (String label : name.split("\\.")) {
      out[at++] = (byte) label.length();
      for (char c : label.toCharArray()) {
        out[at++] = (byte) c;
      }
    }
    out[at++] = 0;
    put16(out, at, type);
    put16(out, at + 2, CLASS_IN);
    return Arrays.copyOf(out, at + 4);
  }

  private static byte[] header(int id, int opcode, boolean rd, int rcode, int qd, int an) {
    byte[] h = new byte[HEADER];
    put16(h, 0, id);
    // QR, the opcode, AA (the responder is the authority for every name it answers), RD echoed,
    // RA clear: it never recurses.
    put16(h, 2, 0x8000 | (opcode << 11) | 0x0400 | (rd ? 0x0100 : 0) | rcode);
    put16(h, 4, qd);
    put16(h, 6, an);
    return h;
  }

  private static boolean isHostChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '_';
  }

  /** The response code of an answer (for tests). */
  public static int rcode(byte[] answer) {
    return answer[3] & 0xF;
  }

  /** The number of answer records (for tests). */
  public static int answers(byte[] answer) {
    return u16(answer, 6);
  }

  static int u16(byte[] b, int at) {
    return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
  }

  private static void put16(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 8);
    b[at + 1] = (byte) v;
  }
}
