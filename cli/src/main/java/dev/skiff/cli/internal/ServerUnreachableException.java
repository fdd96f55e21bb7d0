package dev.skiff.cli.internal;

/** No answer from the control plane: connection refused, unknown host, timeout. */
public final class ServerUnreachableException extends CliException {
  private static final long serialVersionUID = 1L;

  public ServerUnreachableException(String server, Throwable cause) {
    super(
        Problem.of(
            "cannot reach the control plane at " + server + ": " + describe(cause),
            "start skiffd, or point --server (or SKIFF_SERVER) at a running control plane"));
    initCause(cause);
  }

  /** A short reason for a failed connection, e.g. {@code connection refused}. */
  static String describe(Throwable t) {
    if (t instanceof java.net.UnknownHostException) {
      return "unknown host " + t.getMessage();
    } else if (t instanceof java.net.SocketTimeoutException) {
      return "no answer in time (" + t.getMessage() + ")";
    } else if (t.getMessage() == null || t.getMessage().isBlank()) {
      return t instanceof java.net.ConnectException ? "connection refused" : t.toString();
    }
    return t.getMessage();
  }
}
