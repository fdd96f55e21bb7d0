package dev.skiff.proxy;

/**
 * The upstream closed (or reset) a kept-alive connection as a request went out on it, before any
 * byte of an answer, most likely its idle timeout firing just then, and the request could not be
 * sent again on a new connection: its body was streamed, or its method is not idempotent and it has
 * no {@code Idempotency-Key} (see {@link EndpointProxy}). The cause a component's {@link
 * UpstreamPolicy} gets with {@link UpstreamFailure#NO_RESPONSE} then; its message follows the hop's
 * name ("no response from the workload at ...: ").
 */
public final class KeptAliveClosedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public KeptAliveClosedException(Throwable cause) {
    super(
        "it closed the kept-alive connection as the request went out on it, before any answer ("
            + cause.getMessage()
            + "; likely its idle timeout, shorter than the proxy's 60 s, as Node.js's 5 s); the"
            + " request was not sent again, as its body was streamed or its method is not"
            + " idempotent: send it again, or have the server keep idle connections open for"
            + " longer than 60 s",
        cause);
  }
}
