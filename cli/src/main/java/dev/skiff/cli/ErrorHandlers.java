package dev.skiff.cli;

import dev.skiff.api.validation.ValidationException;
import dev.skiff.cli.internal.CliException;
import dev.skiff.cli.internal.ErrorPrinter;
import dev.skiff.cli.internal.Problem;
import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/** The one place that turns failures into stderr text and exit codes (1 refused, 2 usage). */
final class ErrorHandlers {
  static final int REFUSED = 1;

  private ErrorHandlers() {}

  /**
   * Failures while a command runs: the control plane said no, was unreachable, or a check failed.
   */
  static final class Execution implements IExecutionExceptionHandler {
    private final PrintStream err;

    Execution(PrintStream err) {
      this.err = err;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
      if (e instanceof CliException c) {
        ErrorPrinter.print(err, c.problem());
      } else if (e instanceof ValidationException v) {
        ErrorPrinter.print(err, new Problem(v.getMessage(), v.errors(), null));
      } else {
        ErrorPrinter.print(
            err,
            Problem.of("unexpected failure: " + e, "this is a bug in skiff; please report it"));
        e.printStackTrace(err);
      }
      return REFUSED;
    }
  }

  /**
   * Usage errors, found by picocli or thrown by a command as {@link ParameterException}: exit 2.
   */
  static final class Usage implements IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException e, String[] args) {
      CommandLine cmd = e.getCommandLine();
      PrintWriter w = cmd.getErr();
      String message = e.getMessage() == null ? "" : e.getMessage();
      w.println(message.startsWith("Error: ") ? message : "Error: " + message);
      UnmatchedArgumentException.printSuggestions(e, w);
      w.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
      w.flush();
      return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }
  }
}
