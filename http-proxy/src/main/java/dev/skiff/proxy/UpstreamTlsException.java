package dev.skiff.proxy;

/**
 * TLS with an upstream endpoint failed, or the endpoint's certificate names another identity than
 * the one expected: nothing of the request was sent. The cause a component's {@link UpstreamPolicy}
 * gets with {@link UpstreamFailure#TLS}.
 */
public final class UpstreamTlsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final TlsFailure reason;
  private final String expected;
  private final String actual;

  /**
   * @param reason why TLS failed
   * @param expected the identity the endpoint had to present
   * @param actual the identity it presented; null when unknown (the handshake failed first)
   */
  public UpstreamTlsException(
      TlsFailure reason, String expected, String actual, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.expected = expected;
    this.actual = actual;
  }

  public TlsFailure reason() {
    return reason;
  }

  /** The identity the endpoint had to present. */
  public String expected() {
    return expected;
  }

  /** The identity the endpoint presented; null when the handshake failed before it was known. */
  public String actual() {
    return actual;
  }
}
