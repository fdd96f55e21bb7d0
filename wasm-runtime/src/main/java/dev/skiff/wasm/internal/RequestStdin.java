package dev.skiff.wasm.internal;

import com.dylibso.chicory.runtime.Memory;
import java.io.ByteArrayInputStream;

/**
 * A request's body as the guest's stdin. Chicory's {@code fd_read} reads it through a fresh array
 * per buffer the guest hands over and copies that into linear memory; {@link #readInto} copies
 * straight from the body instead. Both read the same position, so they can be mixed.
 */
final class RequestStdin extends ByteArrayInputStream {
  private boolean closed; // the guest closed descriptor 0; only its thread touches this

  RequestStdin(byte[] body) {
    super(body);
  }

  /** The guest closed descriptor 0: reads go to Chicory, which answers EBADF. */
  void markClosed() {
    closed = true;
  }

  boolean isClosed() {
    return closed;
  }

  /**
   * Reads into the guest's buffers exactly as Chicory's {@code fd_read} does for a stream: each
   * iovec in turn until one is not filled, the count written to {@code nreadPtr}; errno 0. Returns
   * -1 without reading anything when an iovec's length is negative, for Chicory to refuse it.
   */
  synchronized int readInto(Memory memory, int iovs, int iovsLen, int nreadPtr) {
    for (int i = 0; i < iovsLen; i++) {
      if (memory.readInt(iovs + i * 8 + 4) < 0) {
        return -1;
      }
    }
    int total = 0;
    for (int i = 0; i < iovsLen; i++) {
      int ptr = memory.readInt(iovs + i * 8);
      int len = memory.readInt(iovs + i * 8 + 4);
      if (len > 0 && pos >= count) {
        break; // end of the body: what Chicory's read(byte[]) returning -1 ends
      }
      int n = Math.min(len, count - pos);
      memory.write(ptr, buf, pos, n);
      pos += n;
      total += n;
      if (n < len) {
        break;
      }
    }
    memory.writeI32(nreadPtr, total);
    return 0;
  }
}
