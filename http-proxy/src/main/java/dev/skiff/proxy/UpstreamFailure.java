package dev.skiff.proxy;

/** Where an exchange with an upstream endpoint broke, and the words error messages use for it. */
public enum UpstreamFailure {
  /** No connection was obtained (refused, unreachable, connect timeout): nothing was sent. */
  CONNECT("could not connect to"),
  /**
   * TLS with the endpoint failed, or its certificate names another identity than expected: nothing
   * was sent, and the connection is not reused. The cause is an {@link UpstreamTlsException}.
   */
  TLS("could not establish mutual TLS with"),
  /** The request went out, but no response head came back (or the client's upload broke). */
  NO_RESPONSE("no response from"),
  /** The response had started, and its body broke off. */
  RESPONSE_BROKE_OFF("response broke off from");

  private final String phrase;

  UpstreamFailure(String phrase) {
    this.phrase = phrase;
  }

  /** Begins a message that names the upstream next, e.g. {@code "could not connect to"}. */
  public String phrase() {
    return phrase;
  }
}
