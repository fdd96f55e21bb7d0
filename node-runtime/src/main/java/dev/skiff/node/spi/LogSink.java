package dev.skiff.node.spi;

/**
 * Receives an instance's log lines. Called from any thread; implementations must be thread-safe.
 */
@FunctionalInterface
public interface LogSink {
  /**
   * @param stream {@code stdout} or {@code stderr}
   * @param line one line, without its terminator
   */
  void line(String stream, String line);
}
