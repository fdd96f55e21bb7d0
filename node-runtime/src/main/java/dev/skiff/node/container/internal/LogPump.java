package dev.skiff.node.container.internal;

import dev.skiff.node.spi.LogSink;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;

/**
 * Copies one of a container's output streams, on its own thread, into a rotating file and, line by
 * line, into the instance's {@link LogSink}; keeps the last lines for error messages. Lines longer
 * than {@link #MAX_LINE} are cut into pieces so a stream without newlines cannot exhaust memory.
 */
public final class LogPump implements Runnable {
  public static final int MAX_LINE = 16 * 1024;
  private static final int TAIL = 20;
  private static final System.Logger LOG = System.getLogger(LogPump.class.getName());
  private static final ThreadFactory THREADS = Threads.daemon("skiff-container-log");

  private final InputStream in;
  private final String stream;
  private final LogSink sink;
  private final RotatingLog file;
  private final ArrayDeque<String> tail = new ArrayDeque<>();
  private final CompletableFuture<Void> done = new CompletableFuture<>();

  private LogPump(InputStream in, String stream, LogSink sink, RotatingLog file) {
    this.in = in;
    this.stream = stream;
    this.sink = sink;
    this.file = file;
  }

  /** Starts pumping {@code in} until it ends. */
  public static LogPump start(InputStream in, String stream, LogSink sink, RotatingLog file) {
    LogPump p = new LogPump(in, stream, sink, file);
    THREADS.newThread(p).start();
    return p;
  }

  /** Completes when the stream has ended and the file is closed. */
  public CompletableFuture<Void> done() {
    return done;
  }

  /** The last lines seen, oldest first. */
  public List<String> tail() {
    synchronized (tail) {
      return List.copyOf(tail);
    }
  }

  @Override
  public void run() {
    byte[] buf = new byte[8192];
    byte[] line = new byte[MAX_LINE];
    int len = 0;
    try (in;
        file) {
      int n;
      while ((n = in.read(buf)) > 0) {
        file.write(buf, 0, n);
        for (int i = 0; i < n; i++) {
          byte b = buf[i];
          if (b == '\n' || len == MAX_LINE) {
            emit(line, len);
            len = 0;
            if (b == '\n') {
              continue;
            }
          }
          line[len++] = b;
        }
        // Write through to disk whenever the container pauses, not on every line.
        if (in.available() == 0) {
          file.flush();
        }
      }
      if (len > 0) {
        emit(line, len);
      }
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "container {0} stream ended: {1}", stream, e.getMessage());
    } finally {
      done.complete(null);
    }
  }

  private void emit(byte[] line, int len) {
    int end = len > 0 && line[len - 1] == '\r' ? len - 1 : len;
    String s = new String(line, 0, end, StandardCharsets.UTF_8);
    synchronized (tail) {
      if (tail.size() == TAIL) {
        tail.removeFirst();
      }
      tail.addLast(s);
    }
    try {
      sink.line(stream, s);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "log sink failed on a " + stream + " line", e);
    }
  }
}
