package dev.skiff.node.container.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class GrpcHealthCodecTest {
  static Buffer bytes(int... b) {
    Buffer out = Buffer.buffer();
    for (int x : b) {
      out.appendByte((byte) x);
    }
    return out;
  }

  @Test
  void theServersOverallHealthIsAnEmptyRequestMessage() {
    assertArrayEquals(bytes(0, 0, 0, 0, 0).getBytes(), GrpcHealthCodec.request("").getBytes());
  }

  @Test
  void aServiceNameIsFieldOneInAFramedRequest() {
    assertArrayEquals(
        bytes(0, 0, 0, 0, 6, 0x0a, 4, 'p', 'i', 'n', 'g').getBytes(),
        GrpcHealthCodec.request("ping").getBytes());
  }

  @Test
  void aLongServiceNameHasATwoByteLength() {
    Buffer b = GrpcHealthCodec.request("s".repeat(200));
    assertEquals(203, b.getInt(1));
    assertEquals(0x0a, b.getByte(5));
    assertEquals((byte) 0xc8, b.getByte(6)); // 200 = 0b1_1001000: low 7 bits + continuation
    assertEquals(0x01, b.getByte(7));
    assertEquals(5 + 203, b.length());
  }

  @Test
  void readsTheServingStatus() {
    assertEquals(1, GrpcHealthCodec.status(bytes(0, 0, 0, 0, 2, 0x08, 1)));
    assertEquals(2, GrpcHealthCodec.status(bytes(0, 0, 0, 0, 2, 0x08, 2)));
  }

  @Test
  void anEmptyResponseIsUnknownAsProto3ReadsIt() {
    assertEquals(0, GrpcHealthCodec.status(bytes(0, 0, 0, 0, 0)));
  }

  @Test
  void skipsFieldsItDoesNotKnow() {
    // field 2 string "x", field 3 fixed64, field 4 fixed32, field 5 varint, then status SERVING
    assertEquals(
        1,
        GrpcHealthCodec.status(
            bytes(
                0, 0, 0, 0, 22, 0x12, 1, 'x', 0x19, 1, 2, 3, 4, 5, 6, 7, 8, 0x25, 1, 2, 3, 4, 0x28,
                0x80, 0x01, 0x08, 1)));
  }

  @Test
  void refusesAnswersThatAreNotOneUncompressedMessage() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> GrpcHealthCodec.status(bytes(0, 0)))
            .getMessage()
            .contains("5-byte prefix"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> GrpcHealthCodec.status(bytes(1, 0, 0, 0, 2, 0x08, 1)))
            .getMessage()
            .contains("compressed"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> GrpcHealthCodec.status(bytes(0, 0, 0, 0, 3, 0x08, 1)))
            .getMessage()
            .contains("not exactly one"));
    assertThrows(
        IllegalArgumentException.class, () -> GrpcHealthCodec.status(bytes(0, 0, 0, 0, 1, 0x08)));
    assertThrows(
        IllegalArgumentException.class,
        () -> GrpcHealthCodec.status(bytes(0, 0, 0, 0, 3, 0x12, 5, 'x')));
    assertThrows(
        IllegalArgumentException.class,
        () -> GrpcHealthCodec.status(bytes(0, 0, 0, 0, 2, 0x0b, 1))); // wire type 3
  }
}
