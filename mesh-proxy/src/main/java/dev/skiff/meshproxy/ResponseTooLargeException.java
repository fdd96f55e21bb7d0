package dev.skiff.meshproxy;

/** A callee's response body was larger than the caller accepts; the exchange was reset. */
public final class ResponseTooLargeException extends MeshException {
  private static final long serialVersionUID = 1L;

  public ResponseTooLargeException(String url, long limit) {
    super(
        "the response of "
            + url
            + " is larger than the limit of "
            + limit
            + " bytes; ask for less (a range, a page) or raise the caller's response limit");
  }
}
