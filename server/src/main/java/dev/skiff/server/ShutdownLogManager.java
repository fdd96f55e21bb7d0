package dev.skiff.server;

import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * java.util.logging's manager for skiffd: the JDK resets logging (removes and closes every handler)
 * in a shutdown hook of its own, which runs beside skiffd's and so dropped every line skiffd logged
 * while it stopped. This one only flushes the handlers when that hook resets it; they stay until
 * the JVM ends. {@link Skiffd}'s first static initializer names it in {@code
 * java.util.logging.manager}, before anything logs (calling a static method of this class would be
 * too late: it initializes {@link LogManager} first, which reads the property once).
 */
public final class ShutdownLogManager extends LogManager {
  @Override
  public void reset() {
    if (shuttingDown()) {
      for (Handler h : Logger.getLogger("").getHandlers()) {
        h.flush();
      }
      return;
    }
    super.reset();
  }

  private static boolean shuttingDown() {
    Thread probe = new Thread(() -> {});
    try {
      Runtime.getRuntime().addShutdownHook(probe);
    } catch (IllegalStateException e) {
      return true;
    }
    Runtime.getRuntime().removeShutdownHook(probe);
    return false;
  }
}
