package dev.skiff.wasm;

/**
 * Receives a function's log: each line it writes to stderr, and the host's diagnostics about its
 * failures (trap details, malformed output). Called on a Wasm pool thread; must be quick and must
 * not block.
 */
@FunctionalInterface
public interface LogSink {

  /** Where a line came from. */
  enum Source {
    /** A line the function wrote to stderr. */
    STDERR,
    /** A diagnostic written by the host about this function. */
    HOST
  }

  /**
   * @param function the function's name from {@link WasmConfig#name()}
   * @param source who wrote the line
   * @param line one line, without its line terminator
   */
  void log(String function, Source source, String line);

  /** A sink that drops everything. */
  static LogSink discard() {
    return (function, source, line) -> {};
  }
}
