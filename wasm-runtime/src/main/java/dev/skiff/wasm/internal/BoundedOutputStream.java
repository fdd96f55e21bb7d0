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
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
  private final long limit;

  BoundedOutputStream(long limit) {
    this.limit = limit;
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

  byte[] toByteArray() {
    return buffer.toByteArray();
  }

  private void ensureRoom(int length) {
    if ((long) buffer.size() + length > limit) {
      throw new ResponseTooLargeException(limit);
    }
  }
}
