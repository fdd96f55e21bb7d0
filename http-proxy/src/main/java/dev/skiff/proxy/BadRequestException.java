package dev.skiff.proxy;

/**
 * The client's request cannot be served as sent: its framing is ambiguous, its body broke off
 * unreadably, or the client was too slow. Answered by the proxy itself, whatever the component,
 * with {@link #status()} and a closed connection, since what follows on it cannot be trusted.
 */
public final class BadRequestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String hint;

  public BadRequestException(int status, String message, String hint, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.hint = hint;
  }

  /** 400, or 408 for a client too slow to send its request. */
  public int status() {
    return status;
  }

  /** How to fix the request. */
  public String hint() {
    return hint;
  }
}
