package dev.skiff.server;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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

  /** Loggers given a level of their own; held here so the JDK does not forget their level. */
  private static final Map<String, Logger> OWN_LEVELS = new ConcurrentHashMap<>();

  /**
   * Sets the level of every logger from {@code spec}: a level, optionally followed by {@code
   * ,logger=level} pairs for single loggers and their children, e.g. {@code
   * info,skiff.coldstart=debug} (the cold-start trace, docs/autoscaling.md).
   */
  static void configure(String spec) {
    String[] parts = spec.split(",");
    Level jul = level(parts[0].trim(), spec);
    // Everything is read before anything changes: a bad pair leaves logging as it was.
    Map<String, Level> own = new LinkedHashMap<>();
    for (int i = 1; i < parts.length; i++) {
      String pair = parts[i].trim();
      int eq = pair.indexOf('=');
      if (eq <= 0 || eq == pair.length() - 1) {
        throw new IllegalArgumentException(
            "--log-level: '"
                + pair
                + "' is not logger=level; write e.g. info,skiff.coldstart=debug");
      }
      own.put(pair.substring(0, eq).trim(), level(pair.substring(eq + 1).trim(), spec));
    }
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    root.setLevel(jul);
    // Netty is chatty at debug; keep it at info unless tracing.
    Logger.getLogger("io.netty")
        .setLevel(jul.intValue() < Level.FINE.intValue() ? jul : Level.INFO);
    OWN_LEVELS.values().forEach(l -> l.setLevel(null)); // an earlier spec's: the root's again
    OWN_LEVELS.clear();
    Level lowest = jul;
    for (Map.Entry<String, Level> e : own.entrySet()) {
      Logger logger = Logger.getLogger(e.getKey());
      logger.setLevel(e.getValue());
      OWN_LEVELS.put(logger.getName(), logger);
      if (e.getValue().intValue() < lowest.intValue()) {
        lowest = e.getValue();
      }
    }
    ConsoleHandler console = new ConsoleHandler();
    // Loggers filter by their own levels; the handler lets through the lowest of them.
    console.setLevel(lowest);
    console.setFormatter(new OneLine());
    root.addHandler(console);
  }

  private static Level level(String name, String spec) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "error" -> Level.SEVERE;
      case "warn", "warning" -> Level.WARNING;
      case "debug" -> Level.FINE;
      case "trace" -> Level.FINEST;
      case "info" -> Level.INFO;
      default ->
          throw new IllegalArgumentException(
              "--log-level: '"
                  + name
                  + "' in '"
                  + spec
                  + "' is not one of error, warn, info, debug, trace");
    };
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
