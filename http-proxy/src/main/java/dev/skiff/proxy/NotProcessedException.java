package dev.skiff.proxy;

/**
 * An HTTP/2 upstream said it did not process the request ({@link Unprocessed}: it shut the
 * connection down with a GOAWAY below the request's stream, or refused the stream), and the request
 * was not sent again: more of its body had been streamed to the first attempt than the proxy keeps
 * to send again ({@link EndpointProxy#KEPT_BODY_BYTES}), or the second attempt was not processed
 * either. Nothing of the request took effect upstream, so the client may send it again. The cause a
 * component's {@link UpstreamPolicy} gets with {@link UpstreamFailure#NO_RESPONSE} then; its
 * message follows the hop's name ("no response from the workload at ...: ").
 */
public final class NotProcessedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * @param reason what the server said ({@link Unprocessed#reason})
   * @param again whether this was the request's second attempt
   */
  public NotProcessedException(String reason, boolean again, Throwable cause) {
    super(
        "it did not process the request ("
            + reason
            + (again
                ? "), on a second connection as on the first: it was not sent again a second"
                    + " time; the server is likely shutting down or at its stream limit"
                : "; likely a graceful shutdown or a connection-age limit), and it was not sent"
                    + " again, as more of its body had been streamed than the "
                    + EndpointProxy.KEPT_BODY_BYTES
                    + " bytes the proxy keeps to send again")
            + "; nothing of it took effect there, so sending it again is safe",
        cause);
  }
}
