package dev.skiff.node.container.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A log file that rotates by size: {@code name.log}, then {@code name.1.log} (newest) up to {@code
 * name.<keep>.log}. Not thread-safe; one writer.
 */
public final class RotatingLog implements AutoCloseable {
  private final Path dir;
  private final String name;
  private final long maxBytes;
  private final int keep;
  private OutputStream out;
  private long size;

  public RotatingLog(Path dir, String name, long maxBytes, int keep) throws IOException {
    this.dir = dir;
    this.name = name;
    this.maxBytes = maxBytes;
    this.keep = keep;
    open();
  }

  public void write(byte[] b, int off, int len) throws IOException {
    if (size > 0 && size + len > maxBytes) {
      rotate();
    }
    out.write(b, off, len);
    size += len;
  }

  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    out.close();
  }

  private void rotate() throws IOException {
    out.close();
    Files.deleteIfExists(file(keep));
    for (int i = keep - 1; i >= 0; i--) {
      if (Files.exists(file(i))) {
        Files.move(file(i), file(i + 1), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    open();
  }

  private void open() throws IOException {
    Path f = file(0);
    out =
        new java.io.BufferedOutputStream(
            Files.newOutputStream(
                f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
            8192);
    size = Files.size(f);
  }

  private Path file(int generation) {
    return dir.resolve(generation == 0 ? name + ".log" : name + "." + generation + ".log");
  }
}
