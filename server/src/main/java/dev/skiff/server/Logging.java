package dev.skiff.server;

import java.time.Instant;
import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Configures java.util.logging, which Skiff's components and Vert.x log through, for one line each.
 */
final class Logging {
  private Logging() {}

  static void configure(String level) {
    Level jul =
        switch (level.toLowerCase(Locale.ROOT)) {
          case "error" -> Level.SEVERE;
          case "warn", "warning" -> Level.WARNING;
          case "debug" -> Level.FINE;
          case "trace" -> Level.FINEST;
          case "info" -> Level.INFO;
          default ->
              throw new IllegalArgumentException(
                  "--log-level: '" + level + "' is not one of error, warn, info, debug, trace");
        };
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    ConsoleHandler console = new ConsoleHandler();
    console.setLevel(jul);
    console.setFormatter(new OneLine());
    root.addHandler(console);
    root.setLevel(jul);
    // Netty is chatty at debug; keep it at info unless tracing.
    Logger.getLogger("io.netty")
        .setLevel(jul.intValue() < Level.FINE.intValue() ? jul : Level.INFO);
  }

  private static final class OneLine extends Formatter {
    @Override
    public String format(LogRecord r) {
      String name = r.getLoggerName() == null ? "" : r.getLoggerName();
      String shortName = name.substring(name.lastIndexOf('.') + 1);
      StringBuilder b =
          new StringBuilder()
              .append(Instant.ofEpochMilli(r.getMillis()))
              .append(' ')
              .append(r.getLevel().getName())
              .append(' ')
              .append(shortName)
              .append(": ")
              .append(formatMessage(r))
              .append('\n');
      if (r.getThrown() != null) {
        b.append("  ").append(r.getThrown()).append('\n');
      }
      return b.toString();
    }
  }
}
