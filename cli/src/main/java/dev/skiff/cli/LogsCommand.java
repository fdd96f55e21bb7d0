package dev.skiff.cli;

import dev.skiff.api.validation.Durations;
import dev.skiff.cli.internal.CliException;
import dev.skiff.cli.internal.Format;
import dev.skiff.cli.internal.LineStream;
import dev.skiff.cli.internal.LogView;
import java.io.PrintStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code skiff logs NAME}: the lines a service's instances wrote, printed as they arrive; with
 * {@code --follow} it keeps printing new ones until the control plane ends the stream or Ctrl-C.
 */
@Command(
    name = "logs",
    description = {
      "Print the log lines of a service: <time> <revision> <stream>: <line>.",
      "-o json prints each line as the control plane sent it (one JSON object per",
      "line), -o yaml one YAML document per line; with --follow, an open stream."
    })
final class LogsCommand extends SkiffCommand {
  @Parameters(index = "0", paramLabel = "NAME", description = "The service.")
  String name;

  @Option(names = "--revision", paramLabel = "R", description = "Only this revision's lines.")
  String revision;

  @Option(
      names = {"-f", "--follow"},
      description = "Keep printing new lines as they are written, until Ctrl-C.")
  boolean follow;

  @Option(
      names = "--tail",
      paramLabel = "N",
      description = "Only the last N lines (then new ones).")
  Integer tail;

  @Option(
      names = "--since",
      paramLabel = "D",
      description = "Only lines newer than a duration (30s, 5m, 1h) or an RFC 3339 time.")
  String since;

  /** Held while a line is printed, so Ctrl-C never cuts one in half. */
  private final Object printing = new Object();

  private boolean stopped;

  @Override
  public Integer call() {
    String ns = namespace();
    checkName("service name", name);
    if (revision != null) {
      checkName("revision", revision);
    }
    if (tail != null && tail < 0) {
      throw usage("--tail: must be >= 0, got " + tail);
    }
    if (since != null) {
      checkSince(since);
    }
    // The logs endpoint answers an unknown service with no lines (and, following, with silence
    // forever), so a typo in NAME is caught here.
    if (api().findService(ns, name).isEmpty()) {
      throw new CliException(
          "no service " + name + " in namespace " + ns,
          "list the services with: skiff list -n " + ns);
    }
    PrintStream out = skiff().out();
    Format format = skiff().format();
    try (LineStream lines = api().logs(ns, name, revision, tail, since, follow)) {
      Thread onCtrlC = follow ? stopOnShutdown(out) : null;
      try {
        for (String line = lines.next(); line != null; line = lines.next()) {
          synchronized (printing) {
            if (stopped) {
              break;
            }
            out.print(LogView.render(line, format));
            out.flush(); // now, not when a buffer fills: a follow may wait long for the next line
            if (out.checkError()) {
              break; // stdout is gone (`skiff logs -f | head`): following on would print nowhere
            }
          }
        }
      } finally {
        if (onCtrlC != null) {
          removeHook(onCtrlC);
        }
      }
    }
    return OK;
  }

  /**
   * Ctrl-C ends the JVM while this thread is blocked reading. The hook only makes sure no line is
   * half printed and stdout is flushed; the exit closes the connection, which ends the stream on
   * the control plane's side.
   */
  private Thread stopOnShutdown(PrintStream out) {
    Thread hook =
        new Thread(
            () -> {
              synchronized (printing) {
                stopped = true;
                out.flush();
              }
            },
            "skiff-logs-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down: the hook runs, and that is what it is for.
    }
  }

  /** The control plane reads {@code since} the same way; a typo is reported here, as exit 2. */
  private void checkSince(String value) {
    try {
      Instant.parse(value);
      return;
    } catch (DateTimeParseException e) {
      // not a time; a duration then
    }
    try {
      Durations.parse(value);
    } catch (IllegalArgumentException e) {
      throw usage(
          "--since: '"
              + value
              + "' is neither a duration like 30s, 5m or 1h nor an RFC 3339 time like"
              + " 2026-11-21T03:04:05Z");
    }
  }
}
