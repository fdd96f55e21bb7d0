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

  private Environ(byte[] block, int[] starts) {
    this.block = block;
    this.starts = starts;
  }

  static Environ of(Map<String, String> env) {
    byte[][] entries = new byte[env.size()][];
    int size = 0;
    int i = 0;
    for (Map.Entry<String, String> e : env.entrySet()) {
      byte[] entry = (e.getKey() + '=' + e.getValue() + '\0').getBytes(StandardCharsets.UTF_8);
      entries[i++] = entry;
      size += entry.length;
    }
    byte[] block = new byte[size];
    int[] starts = new int[entries.length];
    int at = 0;
    for (int n = 0; n < entries.length; n++) {
      starts[n] = at;
      System.arraycopy(entries[n], 0, block, at, entries[n].length);
      at += entries[n].length;
    }
    return new Environ(block, starts);
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
