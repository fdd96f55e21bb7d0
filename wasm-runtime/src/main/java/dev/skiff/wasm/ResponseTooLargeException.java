package dev.skiff.wasm;

/** The function wrote more to stdout than the response cap allows; it was stopped. 502. */
public final class ResponseTooLargeException extends WasmException {
  private static final long serialVersionUID = 1L;

  public ResponseTooLargeException(long limitBytes) {
    super("function response exceeds the limit of " + limitBytes + " bytes");
  }
}
