package dev.skiff.wasm.internal;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Bounds-checked access to a guest's linear memory for the outbound HTTP module, with the ABI's
 * error codes: reading past the end is {@code buffer_too_small}, writing past it {@code
 * memory_access_error}, as in the reference host. Pointers and lengths are the guest's u32s.
 */
final class GuestMemory {
  private final Memory memory;

  private GuestMemory(Memory memory) {
    this.memory = memory;
  }

  static GuestMemory of(Instance instance) {
    Memory memory = instance.memory();
    if (memory == null) {
      throw new HttpCallFailed(HttpError.MEMORY_NOT_FOUND, "the module has no memory");
    }
    return new GuestMemory(memory);
  }

  byte[] read(long ptr, long len, String what) {
    long p = ptr & 0xFFFF_FFFFL;
    long n = len & 0xFFFF_FFFFL;
    if (p + n > size()) {
      throw new HttpCallFailed(
          HttpError.BUFFER_TOO_SMALL,
          what + " at " + p + " (" + n + " bytes) lies outside the module's memory");
    }
    return n == 0 ? new byte[0] : memory.readBytes((int) p, (int) n);
  }

  String readUtf8(long ptr, long len, String what, int maxBytes) {
    if ((len & 0xFFFF_FFFFL) > maxBytes) {
      throw new HttpCallFailed(
          HttpError.BUFFER_TOO_SMALL, what + " is longer than the limit of " + maxBytes + " bytes");
    }
    byte[] bytes = read(ptr, len, what);
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new HttpCallFailed(HttpError.UTF8_ERROR, what + " is not valid UTF-8");
    }
  }

  void write(long ptr, byte[] bytes, String what) {
    check(ptr, bytes.length, what);
    if (bytes.length > 0) {
      memory.write((int) (ptr & 0xFFFF_FFFFL), bytes);
    }
  }

  void writeU32(long ptr, long value, String what) {
    check(ptr, 4, what);
    memory.writeI32((int) (ptr & 0xFFFF_FFFFL), (int) value);
  }

  void writeU16(long ptr, int value, String what) {
    check(ptr, 2, what);
    memory.writeShort((int) (ptr & 0xFFFF_FFFFL), (short) value);
  }

  private void check(long ptr, long len, String what) {
    if ((ptr & 0xFFFF_FFFFL) + len > size()) {
      throw new HttpCallFailed(
          HttpError.MEMORY_ACCESS_ERROR,
          what + " at " + (ptr & 0xFFFF_FFFFL) + " lies outside the module's memory");
    }
  }

  private long size() {
    return (long) memory.pages() * 65_536L;
  }
}
