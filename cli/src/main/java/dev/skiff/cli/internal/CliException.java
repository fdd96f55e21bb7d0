package dev.skiff.cli.internal;

/**
 * Root of the CLI's failures that end a command with exit code 1: the control plane refused, could
 * not be reached, or the requested change cannot be made. Carries the {@link Problem} shown to the
 * user.
 */
public class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Problem problem;

  public CliException(Problem problem) {
    super(problem.error());
    this.problem = problem;
  }

  public CliException(String error, String hint) {
    this(Problem.of(error, hint));
  }

  public Problem problem() {
    return problem;
  }
}
