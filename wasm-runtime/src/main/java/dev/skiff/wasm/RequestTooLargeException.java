package dev.skiff.wasm;

/** The request body is larger than the function accepts; the function was not run. 413. */
public final class RequestTooLargeException extends WasmException {
  private static final long serialVersionUID = 1L;

  public RequestTooLargeException(long sizeBytes, long limitBytes) {
    super("request body of " + sizeBytes + " bytes exceeds the limit of " + limitBytes + " bytes");
  }
}
