package dev.skiff.cli.internal;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * One line of progress on a terminal's stderr, rewritten in place ({@code \r}, erase to the end of
 * the line) while a command waits: {@code hello-00002: Started: instance started in 4.1 ms [1.2s]}.
 * {@link #NONE} prints nothing, for pipes and files, where a rewritten line would be noise. Text is
 * escaped ({@link TerminalText}) and cut to one terminal line.
 */
public class ProgressLine {
  /** Prints nothing. */
  public static final ProgressLine NONE = new ProgressLine(null, Clock.systemUTC());

  private static final int WIDTH = 100;

  private final PrintStream err;
  private final Clock clock;
  private final Instant started;
  private String shown = "";

  public ProgressLine(PrintStream err, Clock clock) {
    this.err = err;
    this.clock = clock;
    this.started = clock.instant();
  }

  /** Shows {@code text} with the time since the wait began, replacing what was shown. */
  public void show(String text) {
    if (err == null) {
      return;
    }
    Duration d = Duration.between(started, clock.instant());
    String line =
        TerminalText.line(text) + String.format(" [%d.%ds]", d.toSeconds(), d.toMillisPart() / 100);
    if (line.length() > WIDTH) {
      line = line.substring(0, WIDTH - 1) + "…";
    }
    if (!line.equals(shown)) {
      err.print("\r" + line + "\u001b[K");
      err.flush();
      shown = line;
    }
  }

  /** Erases the line, so what the command prints next starts clean. */
  public void end() {
    if (err == null || shown.isEmpty()) {
      return;
    }
    err.print("\r\u001b[K");
    err.flush();
    shown = "";
  }
}
