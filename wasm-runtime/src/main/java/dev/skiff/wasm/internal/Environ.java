package dev.skiff.wasm.internal;

import com.dylibso.chicory.runtime.Memory;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A request's environment as WASI's {@code environ_get} hands it to the guest, encoded once: every
 * {@code KEY=VALUE} in UTF-8 with its terminating NUL, back to back, and where each starts. For
 * modules linked by {@link LinkedWasi}, whose WASI context then carries no environment of its own
 * (Chicory would copy the map twice more and encode it with streams on every request).
 */
final class Environ {
  private static final int ESUCCESS = 0;

  private final byte[] block;
  private final int[] starts;

  Environ(byte[] block, int[] starts) {
    this.block = block;
    this.starts = starts;
  }

  static Environ of(Map<String, String> env) {
    int[] starts = new int[env.size()];
    int size = 0;
    for (Map.Entry<String, String> e : env.entrySet()) {
      size += utf8Length(e.getKey()) + utf8Length(e.getValue()) + 2; // '=' and NUL
    }
    byte[] block = new byte[size];
    int at = 0;
    int n = 0;
    for (Map.Entry<String, String> e : env.entrySet()) {
      starts[n++] = at;
      at = put(e.getKey(), block, at);
      block[at++] = '=';
      at = put(e.getValue(), block, at);
      block[at++] = 0;
    }
    return new Environ(block, starts);
  }

  /**
   * Bytes of {@code s} in UTF-8 as {@link String#getBytes} encodes it. CGI variables are nearly
   * always ASCII, counted here without encoding; anything else is left to the JDK's encoder (which
   * also decides what a lone surrogate becomes).
   */
  private static int utf8Length(String s) {
    int length = s.length();
    for (int i = 0; i < length; i++) {
      if (s.charAt(i) >= 0x80) {
        return s.getBytes(StandardCharsets.UTF_8).length;
      }
    }
    return length;
  }

  /** Writes {@code s} in UTF-8 at {@code at}; returns where it ends. */
  private static int put(String s, byte[] block, int at) {
    int length = s.length();
    for (int i = 0; i < length; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        byte[] encoded = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(encoded, 0, block, at, encoded.length); // its ASCII start again
        return at + encoded.length;
      }
      block[at + i] = (byte) c;
    }
    return at + length;
  }

  /** {@code environ_sizes_get}: the number of entries and the bytes they take. */
  int sizesGet(Memory memory, int countPtr, int sizePtr) {
    memory.writeI32(countPtr, starts.length);
    memory.writeI32(sizePtr, block.length);
    return ESUCCESS;
  }

  /** {@code environ_get}: a pointer per entry at {@code environPtr}, the entries at {@code buf}. */
  int get(Memory memory, int environPtr, int buf) {
    for (int n = 0; n < starts.length; n++) {
      memory.writeI32(environPtr + 4 * n, buf + starts[n]);
    }
    memory.write(buf, block, 0, block.length);
    return ESUCCESS;
  }
}
