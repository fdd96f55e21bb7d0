package dev.skiff.cli.internal;

/** A revision reported Ready False, or did not become ready before the wait deadline. */
public final class RevisionNotReadyException extends CliException {
  private static final long serialVersionUID = 1L;

  public RevisionNotReadyException(String error, String hint) {
    super(error, hint);
  }
}
