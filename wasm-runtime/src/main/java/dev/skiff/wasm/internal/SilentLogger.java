package dev.skiff.wasm.internal;

import com.dylibso.chicory.log.Logger;

/**
 * Chicory's logger, switched off: WASI's trace output is per call and would cost more than the
 * call; what matters to operators reaches the function's {@code LogSink} instead.
 */
public final class SilentLogger implements Logger {
  public static final SilentLogger INSTANCE = new SilentLogger();

  private SilentLogger() {}

  @Override
  public void log(Level level, String msg, Throwable throwable) {}

  @Override
  public boolean isLoggable(Level level) {
    return false;
  }
}
