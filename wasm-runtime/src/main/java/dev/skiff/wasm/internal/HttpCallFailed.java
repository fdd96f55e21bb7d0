package dev.skiff.wasm.internal;

/**
 * A host call of the outbound HTTP module ends with an error code for the guest; {@code reason}
 * goes to the function's log, since the ABI has no room for words.
 */
final class HttpCallFailed extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final transient HttpError error;

  HttpCallFailed(HttpError error, String reason) {
    super(reason, null, false, false);
    this.error = error;
  }
}
