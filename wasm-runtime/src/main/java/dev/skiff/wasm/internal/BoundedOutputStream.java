package dev.skiff.wasm.internal;

import dev.skiff.wasm.ResponseTooLargeException;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;

/**
 * Collects a function's stdout up to a limit. Going past it throws {@link
 * ResponseTooLargeException}, an unchecked exception that WASI's {@code fd_write} does not catch,
 * so the instance stops at once instead of writing on into a buffer nobody will send.
 */
final class BoundedOutputStream extends OutputStream {
  private final Buffer buffer;
  private final long limit;

  /**
   * @param expected bytes the output is expected to take (an echoing function's is about its
   *     request body), so the buffer is not grown and copied on the way there; capped at the limit
   */
  BoundedOutputStream(long limit, int expected) {
    this.limit = limit;
    this.buffer = new Buffer((int) Math.max(32, Math.min(limit, expected)));
  }

  @Override
  public void write(int b) {
    ensureRoom(1);
    buffer.write(b);
  }

  @Override
  public void write(byte[] bytes, int offset, int length) {
    ensureRoom(length);
    buffer.write(bytes, offset, length);
  }

  /** The collected bytes without a copy: the first {@link #size} of this array. */
  byte[] array() {
    return buffer.array();
  }

  int size() {
    return buffer.size();
  }

  /** A byte array stream whose array can be read in place. */
  private static final class Buffer extends ByteArrayOutputStream {
    Buffer(int size) {
      super(size);
    }

    byte[] array() {
      return buf;
    }
  }

  private void ensureRoom(int length) {
    if ((long) buffer.size() + length > limit) {
      throw new ResponseTooLargeException(limit);
    }
  }
}
