package dev.skiff.node.container.internal;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * The two messages of the gRPC Health Checking Protocol, encoded by hand in gRPC's length-prefixed
 * framing (1 byte compressed flag, 4 bytes big-endian length, the message): {@code
 * HealthCheckRequest {string service = 1;}} and {@code HealthCheckResponse {ServingStatus status =
 * 1;}}. Too small to pull protobuf-java into the node for.
 */
final class GrpcHealthCodec {
  /** {@code HealthCheckResponse.ServingStatus.SERVING}. */
  static final int SERVING = 1;

  private GrpcHealthCodec() {}

  /** One framed {@code HealthCheckRequest}; an empty service is the empty message (proto3). */
  static Buffer request(String service) {
    byte[] name = service.getBytes(StandardCharsets.UTF_8);
    Buffer message = Buffer.buffer();
    if (name.length > 0) {
      message.appendByte((byte) 0x0a); // field 1, length-delimited
      varint(message, name.length);
      message.appendBytes(name);
    }
    return Buffer.buffer().appendByte((byte) 0).appendInt(message.length()).appendBuffer(message);
  }

  /**
   * The status of the one framed {@code HealthCheckResponse} in {@code body}: 0 (UNKNOWN) when the
   * field is absent, as proto3 reads it. Fails with an {@link IllegalArgumentException} saying what
   * is wrong when the body is not exactly one uncompressed, well-formed message.
   */
  static int status(Buffer body) {
    if (body.length() < 5) {
      throw new IllegalArgumentException(
          "the answer has " + body.length() + " bytes, less than a gRPC message's 5-byte prefix");
    }
    if (body.getByte(0) != 0) {
      throw new IllegalArgumentException(
          "the answer is compressed, though the probe accepts no compression");
    }
    long length = body.getUnsignedInt(1);
    if (length != body.length() - 5L) {
      throw new IllegalArgumentException(
          "the answer's prefix says "
              + length
              + " bytes, but "
              + (body.length() - 5)
              + " follow it: not exactly one HealthCheckResponse");
    }
    int status = 0;
    int[] at = {5};
    while (at[0] < body.length()) {
      long key = varint(body, at);
      switch ((int) (key & 7)) {
        case 0 -> {
          long v = varint(body, at);
          if (key >>> 3 == 1) {
            status = (int) v; // enums are int32, sent sign-extended to 64 bits
          }
        }
        case 1 -> skip(body, at, 8);
        case 2 -> skip(body, at, varint(body, at));
        case 5 -> skip(body, at, 4);
        default ->
            throw new IllegalArgumentException(
                "the answer is not a HealthCheckResponse: wire type " + (key & 7));
      }
    }
    return status;
  }

  private static void varint(Buffer out, int v) {
    while ((v & ~0x7f) != 0) {
      out.appendByte((byte) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    out.appendByte((byte) v);
  }

  private static long varint(Buffer in, int[] at) {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at[0] >= in.length()) {
        break;
      }
      byte b = in.getByte(at[0]++);
      v |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        return v;
      }
    }
    throw new IllegalArgumentException("the answer is not a HealthCheckResponse: a cut varint");
  }

  private static void skip(Buffer in, int[] at, long n) {
    if (n < 0 || n > in.length() - at[0]) {
      throw new IllegalArgumentException("the answer is not a HealthCheckResponse: a cut field");
    }
    at[0] += (int) n;
  }
}
