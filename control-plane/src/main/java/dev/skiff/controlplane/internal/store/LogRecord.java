package dev.skiff.controlplane.internal.store;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * One framed record of the log or a snapshot: {@code [int payloadLength][int crc32c][payload]} with
 * payload {@code [byte op][long revision][long createRevision][int keyLength][key][int
 * valueLength][value]}. The CRC lets recovery tell a torn or corrupt tail from real data.
 *
 * @param op {@link #PUT}, {@link #DELETE}, or a snapshot's {@link #HEADER} / {@link #END}
 * @param revision the store revision of the change (a snapshot entry's mod revision)
 * @param createRevision the key's create revision; a snapshot header's entry count
 */
record LogRecord(byte op, long revision, long createRevision, String key, byte[] value) {
  static final byte PUT = 1;
  static final byte DELETE = 2;
  static final byte HEADER = 3;
  static final byte END = 4;

  private static final int FRAME = 8;
  private static final int FIXED = 1 + 8 + 8 + 4 + 4;

  /** Larger payloads cannot be ours: a corrupt length field. */
  private static final int MAX_PAYLOAD = 256 << 20;

  private static final byte[] EMPTY = new byte[0];

  static LogRecord marker(byte op, long revision, long count) {
    return new LogRecord(op, revision, count, "", EMPTY);
  }

  /** Bytes this record takes once framed. */
  int framedSize() {
    return FRAME + FIXED + keyBytes().length + value.length;
  }

  private byte[] keyBytes() {
    return key.getBytes(StandardCharsets.UTF_8);
  }

  /** Appends this record, framed, at {@code out}'s position. */
  void writeTo(ByteBuffer out) {
    byte[] k = keyBytes();
    int payload = FIXED + k.length + value.length;
    int start = out.position();
    out.putInt(payload).putInt(0);
    out.put(op).putLong(revision).putLong(createRevision);
    out.putInt(k.length).put(k).putInt(value.length).put(value);
    CRC32C crc = new CRC32C();
    crc.update(out.array(), out.arrayOffset() + start + FRAME, payload);
    out.putInt(start + 4, (int) crc.getValue());
  }

  /**
   * Reads the record at {@code in}'s position and moves past it; returns null, leaving the position
   * where it was, when the bytes there are not a whole, intact record (a torn or corrupt tail).
   */
  static LogRecord readFrom(ByteBuffer in) {
    int start = in.position();
    try {
      int payload = in.getInt();
      int expectedCrc = in.getInt();
      if (payload < FIXED || payload > MAX_PAYLOAD || payload > in.remaining()) {
        in.position(start);
        return null;
      }
      CRC32C crc = new CRC32C();
      crc.update(in.array(), in.arrayOffset() + in.position(), payload);
      if ((int) crc.getValue() != expectedCrc) {
        in.position(start);
        return null;
      }
      byte op = in.get();
      long revision = in.getLong();
      long createRevision = in.getLong();
      byte[] k = new byte[in.getInt()];
      in.get(k);
      byte[] v = new byte[in.getInt()];
      in.get(v);
      if (FIXED + k.length + v.length != payload) {
        in.position(start);
        return null;
      }
      return new LogRecord(op, revision, createRevision, new String(k, StandardCharsets.UTF_8), v);
    } catch (BufferUnderflowException | NegativeArraySizeException e) {
      in.position(start);
      return null;
    }
  }
}
