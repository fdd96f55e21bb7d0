package dev.skiff.cli.internal;

import dev.skiff.api.validation.FieldError;
import java.io.PrintStream;

/**
 * Prints a {@link Problem} to stderr the same way whether the control plane or the CLI found it:
 *
 * <pre>
 * Error: invalid manifest: spec.template.containerConcurrency: must be &gt;= 0, got -1
 *   spec.template.containerConcurrency: must be &gt;= 0, got -1 (0 means unlimited)
 * Hint: fix the fields listed in details and send the manifest again
 * </pre>
 */
public final class ErrorPrinter {
  private ErrorPrinter() {}

  public static void print(PrintStream err, Problem p) {
    // The text may come from the control plane (and, in a container's start failure, from the
    // container's own output): its control characters are escaped.
    err.println("Error: " + TerminalText.text(p.error()));
    for (FieldError d : p.details()) {
      String detail =
          d.field() + ": " + d.message() + (d.hint() == null ? "" : " (" + d.hint() + ")");
      err.println("  " + TerminalText.line(detail));
    }
    if (p.hint() != null && !p.hint().isBlank()) {
      err.println("Hint: " + TerminalText.text(p.hint()));
    }
    err.flush();
  }
}
