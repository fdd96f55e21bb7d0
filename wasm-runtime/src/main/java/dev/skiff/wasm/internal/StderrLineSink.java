package dev.skiff.wasm.internal;

import dev.skiff.wasm.LogSink;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Splits a function's stderr into lines for its {@link LogSink}. Lines longer than {@link
 * #MAX_LINE} are cut into pieces, and after {@link #MAX_TOTAL} bytes in one request the rest is
 * dropped with one notice, so a chatty guest cannot flood the node's logs.
 */
final class StderrLineSink extends OutputStream {
  static final int MAX_LINE = 8 * 1024;
  static final long MAX_TOTAL = 1024 * 1024;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(128);
  private final LogSink sink;
  private final String function;
  private long total;

  StderrLineSink(LogSink sink, String function) {
    this.sink = sink;
    this.function = function;
  }

  @Override
  public void write(int b) {
    if (total++ == MAX_TOTAL) {
      if (line.size() > 0) {
        emit();
      }
      sink.log(
          function, LogSink.Source.HOST, "stderr exceeded " + MAX_TOTAL + " bytes; rest dropped");
    }
    if (total > MAX_TOTAL) {
      return;
    }
    if (b == '\n') {
      emit();
    } else {
      line.write(b);
      if (line.size() >= MAX_LINE) {
        emit();
      }
    }
  }

  @Override
  public void write(byte[] bytes, int offset, int length) {
    for (int i = 0; i < length; i++) {
      write(bytes[offset + i]);
    }
  }

  /** Emits a last line that had no newline. */
  @Override
  public void close() {
    if (line.size() > 0) {
      emit();
    }
  }

  private void emit() {
    int size = line.size();
    byte[] bytes = line.toByteArray();
    if (size > 0 && bytes[size - 1] == '\r') {
      size--;
    }
    line.reset();
    sink.log(function, LogSink.Source.STDERR, new String(bytes, 0, size, StandardCharsets.UTF_8));
  }
}
